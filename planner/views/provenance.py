"""Where a figure comes from, in the words every screen and command uses (STYLE: every figure
says where it came from)."""

SOURCE_LOG = "imported log"
SOURCE_CATALOG = "catalog"
SOURCE_LIVE = "live header"
SOURCE_ESTIMATE = "estimate"
