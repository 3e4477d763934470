"""planner: plan Claude API spend and rate-limit headroom.

The core (usage, store, probe, projection, report, tokens) never imports Textual;
`planner.tui` is the only layer that does.
"""

__version__ = "0.1.0"
