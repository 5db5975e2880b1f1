#!/usr/bin/env bash
# Runs a sweep as a 4-shard Slurm job array plus its merge job on a one-node cluster started
# here, and checks that the merged result equals the single-machine run byte for byte. Installs
# slurm-wlm and munge (Debian) when missing, starts the daemons with a state directory of its
# own, and stops exactly the daemons it started (by pid) however it ends.
#   scripts/slurm-sweep-check.sh [BIN] [SPEC]
set -euo pipefail
BIN=$(realpath "${1:-target/release/chokepoint}")
SPEC=$(realpath "${2:-examples/sweeps/small.toml}")
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
H=$(hostname)
S=$(mktemp -d)
STARTED_MUNGE=""
cleanup() {
  [ -f "$S/d.pid" ] && $SUDO kill "$(cat "$S/d.pid")" 2>/dev/null || true
  [ -f "$S/ctld.pid" ] && $SUDO kill "$(cat "$S/ctld.pid")" 2>/dev/null || true
  [ -n "$STARTED_MUNGE" ] && $SUDO kill "$STARTED_MUNGE" 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$S/state" "$S/spool" "$S/log"
$SUDO mkdir -p /etc/slurm /etc/munge /var/log/munge /var/lib/munge /run/munge
[ -f /etc/munge/munge.key ] || $SUDO dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
$SUDO chown -R munge:munge /etc/munge /var/log/munge /var/lib/munge /run/munge
$SUDO chmod 400 /etc/munge/munge.key
# A munged already answering is used as it is; else one is started here and stopped at the end.
if ! munge -n </dev/null >/dev/null 2>&1; then
  $SUDO /usr/sbin/munged --force
  for _ in $(seq 1 20); do [ -s /run/munge/munged.pid ] && break; sleep 0.5; done
  STARTED_MUNGE=$(cat /run/munge/munged.pid)
fi
CONF="$S/slurm.conf"
cat > "$CONF" <<CONF
ClusterName=chokepointci
SlurmctldHost=$H
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldLogFile=$S/log/ctld.log
SlurmdLogFile=$S/log/d.log
SlurmctldPidFile=$S/ctld.pid
SlurmdPidFile=$S/d.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$H CPUs=$(nproc) RealMemory=2000 State=UNKNOWN
PartitionName=main Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
# Every Slurm command below (sinfo, sbatch, squeue, and sbatch inside `chokepoint sweep slurm`)
# reads this configuration, not /etc/slurm's.
export SLURM_CONF="$CONF"
$SUDO env SLURM_CONF="$CONF" /usr/sbin/slurmctld
$SUDO env SLURM_CONF="$CONF" /usr/sbin/slurmd
for _ in $(seq 1 60); do
  if sinfo -h -o %t 2>/dev/null | grep -q idle; then break; fi
  sleep 1
done
sinfo

OUT="$S/sweep"
WHOLE="$S/whole"
"$BIN" sweep "$SPEC" --out "$WHOLE" >/dev/null
"$BIN" sweep slurm "$SPEC" --shards 4 --out "$OUT"
for _ in $(seq 1 600); do
  [ -f "$OUT/result.json" ] && ! squeue -h | grep -q . && break
  sleep 1
done
if [ ! -f "$OUT/result.json" ]; then
  echo "slurm sweep: no result after 10 minutes" >&2
  squeue || true; tail -50 "$S/log/ctld.log" "$OUT"/logs/* 2>/dev/null || true
  exit 1
fi
ls "$OUT"
cmp "$WHOLE/result.json" "$OUT/result.json"
echo "slurm sweep: 4 shards merged by a dependent job equal the single-machine run byte for byte"
