#!/usr/bin/env bash
# Run the peer, ccusage 20 (a native binary), on a generated tree and record its wall time and peak RSS.
#   bench/run_ccusage.sh bench/data/big [OUT_PREFIX]
# Writes OUT_PREFIX.json (ccusage's daily JSON) and OUT_PREFIX.time (GNU time -v); prints
# "wall_s rss_mb". Days are grouped in UTC so they line up with planner's report.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tree="${1:?usage: run_ccusage.sh TREE [OUT_PREFIX]}"
out="${2:-$here/out/ccusage}"
bin="$here/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage"
if [[ ! -e "$bin" ]]; then
  npm install --prefix "$here" --no-audit --no-fund >&2
fi
chmod +x "$bin"  # npm unpacks it without the execute bit; the JS wrapper would chmod it on first run
mkdir -p "$(dirname "$out")"
CLAUDE_CONFIG_DIR="$tree" /usr/bin/time -v "$bin" claude daily --json --offline --timezone UTC >"$out.json" 2>"$out.time"
wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out.time")"
rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out.time")"
python3 - "$wall" "$rss_kb" <<'PY'
import sys
parts = [float(p) for p in sys.argv[1].split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
print(f"{secs:.2f} {int(sys.argv[2]) / 1024:.0f}")
PY
