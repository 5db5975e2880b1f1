#!/usr/bin/env bash
# Side-by-side run of stockpyl 1.0.2 and chokepoint's simulation kernel on the same inputs.
#
#   bench/peers/run.sh [CASE ...]          CASE in a1 b c (default: a1 b c)
#
# Per case, one invocation:
#   1. stockpyl_cases.py trace  -> exogenous inputs (numpy PCG64(SEED)) + stockpyl's per-period outputs
#   2. ree_bench replay         -> our per-period outputs on the same inputs (exactness)
#   3. compare_traces.py        -> max |diff| over every column (tolerance 1e-9 + 1e-12 rel)
#   4. timing, single-threaded, same T periods per trial: stockpyl `perf` mode (its own RNG,
#      median of PEER_TRIALS trials) vs `ree_bench perf` (median of 5); plus our batched
#      Monte Carlo throughput.
# Prints one JSON line per case.
#
# The peer scripts (stockpyl_cases.py, compare_traces.py) are NOT part of this repository; they are
# called by path from $PEERS (default ../shared/peers beside the repository, the machine-local peers folder).
# Environment: PEERS, VENV (default .venv-peers in the repo root), T (1000), SEED (42),
# PEER_TRIALS (3), OURS_T (10000000 periods for the throughput figure).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PEERS=${PEERS:-$ROOT/../shared/peers}
VENV=${VENV:-$ROOT/.venv-peers}
T=${T:-1000}
SEED=${SEED:-42}
PEER_TRIALS=${PEER_TRIALS:-3}
OURS_T=${OURS_T:-10000000}
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(a1 b c)

[ -f "$PEERS/scripts/stockpyl_cases.py" ] || { echo "peer scripts not found under $PEERS" >&2; exit 2; }
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q stockpyl==1.0.2 numpy==1.26.4 scipy==1.13.1 "pandas<3"
fi
PY=$VENV/bin/python
cargo build -q --release -p chokepoint-sim --example ree_bench
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/ree_bench
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

for CASE in "${CASES[@]}"; do
    # 1. inputs + peer outputs
    "$PY" "$PEERS/scripts/stockpyl_cases.py" trace --case "$CASE" --periods "$T" --seed "$SEED" --out "$W" > "$W/peer_trace.json"
    # 2. ours on the same inputs
    /usr/bin/time -v -o "$W/ours_time.txt" "$BIN" replay --case "$CASE" --inputs "$W/${CASE}_inputs.csv" --out "$W/ours.csv" > "$W/ours_replay.json"
    # 3. exactness (compare_traces exits 1 on any mismatch; keep going to report it)
    set +e
    "$PY" "$PEERS/scripts/compare_traces.py" "$W/${CASE}_outputs.csv" "$W/ours.csv" > "$W/compare.txt"
    EXACT=$?
    set -e
    # 4. timing
    /usr/bin/time -v -o "$W/peer_time.txt" "$PY" "$PEERS/scripts/stockpyl_cases.py" perf --case "$CASE" --periods "$T" --trials "$PEER_TRIALS" --no-metrics > "$W/peer_perf.jsonl"
    "$BIN" perf --case "$CASE" --periods "$T" --trials 5 > "$W/ours_perf.json"
    NODES=1; [ "$CASE" = b ] && NODES=3; [ "$CASE" = c ] && NODES=27
    # 64 replications: whole batches at either lane width (fewer than one batch runs scalar)
    "$BIN" mc --case "$CASE" --reps 64 --periods $((OURS_T / NODES / 64)) > "$W/ours_mc.json"
    "$PY" - "$W" "$CASE" "$T" "$EXACT" <<'PYEOF'
import json, re, statistics, sys
w, case, T, exact = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "0"
def rss(path):
    for line in open(path):
        if "Maximum resident" in line:
            return int(line.split(":")[1])
peer = statistics.median(json.loads(l)["sim_s"] for l in open(f"{w}/peer_perf.jsonl"))
ours = json.load(open(f"{w}/ours_perf.json"))
mc = json.load(open(f"{w}/ours_mc.json"))
diffs = [float(m) for m in re.findall(r"max\|diff\|=([0-9.e+-]+)", open(f"{w}/compare.txt").read())]
print(json.dumps(dict(
    case=case, periods=T,
    peer_s=peer, ours_s=ours["sim_s"], speedup=peer / ours["sim_s"],
    max_abs_diff=max(diffs) if diffs else None, exact_within_tol=exact,
    peer_rss_kb=rss(f"{w}/peer_time.txt"), ours_replay_rss_kb=rss(f"{w}/ours_time.txt"),
    ours_batched_node_periods_per_s=mc["node_periods_per_s"],
    peer_node_periods_per_s=T * round(ours["node_periods_per_s"] / ours["periods_per_s"]) / peer,
)))
PYEOF
done
