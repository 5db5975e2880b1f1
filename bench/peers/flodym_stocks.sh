#!/usr/bin/env bash
# Side-by-side timing of flodym 1.1.0 and chokepoint-stocks on flodym's REE MFA case
# (issue 16 item 6): same case, single-threaded, one after the other, never at the same time.
#
#   bench/peers/flodym_stocks.sh [R P Y0 Y1]      default 20 10 1900 2099 (20 regions x 10 products x 200 years)
#
# The peer script (flodym_ree.py) is NOT part of this repository; it is called by path from
# $PEERS (default ../shared/peers beside the repository). Environment: PEERS, VENV (default
# .venv-peers in the repo root), PEER_REPS (5), OURS_REPS (200).
# Prints one JSON line: flodym's median compute() and ours, the ratio, both processes' max RSS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PEERS=${PEERS:-$ROOT/../shared/peers}
VENV=${VENV:-$ROOT/.venv-peers}
PEER_REPS=${PEER_REPS:-5}
OURS_REPS=${OURS_REPS:-200}
R=${1:-20}; P=${2:-10}; Y0=${3:-1900}; Y1=${4:-2099}

[ -f "$PEERS/scripts/flodym_ree.py" ] || { echo "peer scripts not found under $PEERS" >&2; exit 2; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import flodym' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q stockpyl==1.0.2 flodym==1.1.0 numpy==1.26.4 scipy==1.13.1 "pandas<3"
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
cargo build -q --release -p chokepoint-stocks --example ree_case
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/ree_case
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

/usr/bin/time -v -o "$W/peer_time.txt" "$VENV/bin/python" "$PEERS/scripts/flodym_ree.py" perf \
    --regions "$R" --products "$P" --y0 "$Y0" --y1 "$Y1" --reps "$PEER_REPS" > "$W/peer.json"
/usr/bin/time -v -o "$W/ours_time.txt" "$BIN" perf "$R" "$P" "$Y0" "$Y1" "$OURS_REPS" > "$W/ours.json"
python3 - "$W" <<'PYEOF'
import json, sys
w = sys.argv[1]
def rss(path):
    for line in open(path):
        if "Maximum resident" in line:
            return int(line.split(":")[1])
peer = json.load(open(f"{w}/peer.json"))
ours = json.load(open(f"{w}/ours.json"))
print(json.dumps(dict(
    regions=ours["R"], products=ours["P"], years=ours["years"],
    flodym_compute_s=peer["median_compute_s"], ours_compute_s=ours["median_compute_s"],
    speedup=peer["median_compute_s"] / ours["median_compute_s"],
    flodym_total_stock_last=sum(r["total_stock_last"] for r in peer["runs"]) / len(peer["runs"]),
    ours_total_stock_last=ours["total_stock_last"],
    flodym_max_rss_kb=rss(f"{w}/peer_time.txt"), ours_max_rss_kb=rss(f"{w}/ours_time.txt"),
)))
PYEOF
