#!/usr/bin/env bash
# Whole-run timings of the README's main job on the bundled world, single-threaded, with the
# release binary: wall time and max RSS per configuration (from /usr/bin/time when present).
#
#   bench/main_job.sh [RUNS]        RUNS replications per configuration (default 10000)
#
# Configurations: the bundled scenario as shipped (origin tracing on: the scalar kernel), the
# same without origin tracing (the batched kernel), and without tracing with one licence
# application per importer and item (the pre-application licence model's edge count).
# Run it on a quiet machine: the figures go into docs/benchmarks.md with the machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUNS=${1:-10000}
cargo build --release --quiet --bin chokepoint
BIN=target/release/chokepoint
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SCN=data/scenarios/licensing-2025-04.toml
sed 's/^trace_origin = true/trace_origin = false/' "$SCN" > "$TMP/no-trace.toml"
sed 's/^applications = 8/applications = 1/' "$TMP/no-trace.toml" > "$TMP/no-trace-1app.toml"
time_it() {
  local label=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "$label: %e s wall, %M KB max RSS" "$@" > /dev/null
  else
    local t0; t0=$(date +%s.%N)
    "$@" > /dev/null
    echo "$label: $(echo "$(date +%s.%N) - $t0" | bc) s wall"
  fi
}
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) vCPUs; runs=$RUNS; $(date -u +%F)"
time_it "licensing-2025-04 as shipped (origin tracing)" "$BIN" simulate licensing-2025-04 --runs "$RUNS" --threads 1
time_it "without origin tracing" "$BIN" simulate "$TMP/no-trace.toml" --runs "$RUNS" --threads 1
time_it "without origin tracing, 1 application" "$BIN" simulate "$TMP/no-trace-1app.toml" --runs "$RUNS" --threads 1
