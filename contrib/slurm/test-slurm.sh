#!/usr/bin/env bash
# Runs the shipped contrib/slurm/sweep.sbatch on a real single-node Slurm cluster that
# this script starts, and checks that the merged reports are byte for byte those of
# the same sweeps run unsharded.
#
#   contrib/slurm/test-slurm.sh [path/to/whfb-sim]     (default: target/debug/whfb-sim)
#
# As root (or through sudo): installs Debian's slurm-wlm and munge when missing (no
# service is started by the packages), starts munged, slurmctld and slurmd with their
# own key, socket, ports, spool and state in a temporary folder, submits a crypto-off
# sweep (3 shards) and a real-crypto one (2 shards, a cold key pool the tasks fill
# together), waits for their merge jobs, compares with `cmp`, and stops the daemons it
# started, by their PIDs, however it ends. It can run again on the same machine. The
# whole run is held to WHFB_SIM_SLURM_BUDGET seconds (default 300).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/target/debug/whfb-sim}")
BUDGET=${WHFB_SIM_SLURM_BUDGET:-300}

if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -E "$0" "$@"
  fi
  echo "test-slurm: needs root (slurmd runs jobs as their users) or sudo" >&2
  exit 1
fi
if [ -z "${WHFB_SIM_SLURM_TIMED:-}" ]; then
  export WHFB_SIM_SLURM_TIMED=1
  exec timeout --kill-after=15 "$BUDGET" "$0" "$BIN"
fi
[ -x "$BIN" ] || { echo "test-slurm: no binary at $BIN (cargo build --locked first)" >&2; exit 1; }

say() { echo "test-slurm: $*"; }

# --- packages ---------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  (
    # Keep the packages from starting their services: this script starts its own.
    POLICY=/usr/sbin/policy-rc.d
    if [ ! -e "$POLICY" ]; then
      trap 'rm -f "$POLICY"' EXIT
      printf '#!/bin/sh\nexit 101\n' >"$POLICY"
      chmod 755 "$POLICY"
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
  )
fi

# --- a cluster of one node in a temporary folder ----------------------------------
T=$(mktemp -d /tmp/whfb-slurm.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
  local rc=$?
  # Jobs still running (a timeout) are cancelled first, so no job step outlives the
  # cluster; then the daemons, by PID.
  if [ "${#PIDS[@]}" -ge 3 ]; then
    timeout 10 bash -c 'squeue -h -o %i | xargs -r scancel; while [ -n "$(squeue -h -o %i)" ]; do sleep 0.2; done' \
      >/dev/null 2>&1 || true
  fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # Job steps the cancel did not end (slurmstepd ignores SIGTERM, and outlives slurmd):
  # the processes whose environment names this cluster's slurm.conf, by PID.
  if [ -n "${SLURM_CONF:-}" ]; then
    for env in /proc/[0-9]*/environ; do
      pid=${env#/proc/}
      pid=${pid%/environ}
      [ "$pid" = $$ ] && continue
      if tr '\0' '\n' 2>/dev/null <"$env" | grep -qxF "SLURM_CONF=$SLURM_CONF"; then
        kill -9 "$pid" 2>/dev/null || true
      fi
    done
  fi
  if [ "$rc" != 0 ]; then
    say "FAILED (exit $rc); logs:"
    for f in "$T"/*.log "$T"/work-*/merge-*.out "$T"/*.out; do
      [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
    done
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 124' TERM INT

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

mkdir -p "$T/munge" "$T/state" "$T/spool"
chmod 700 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
SOCKET=$T/munge/munge.socket
munged --foreground --force --key-file="$T/munge/munge.key" --socket="$SOCKET" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/munged.log" \
  --seed-file="$T/munge/munged.seed" >>"$T/munged.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$SOCKET" ] && break; sleep 0.1; done
[ -S "$SOCKET" ] || { say "munged did not start"; exit 1; }

NODE=$(hostname -s)
CPUS=$(nproc)
MEM=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10))
CTLD_PORT=$(free_port)
SLURMD_PORT=$(free_port)
export SLURM_CONF=$T/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=whfbtest
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" >>"$T/slurmctld.log" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N "$NODE" >>"$T/slurmd.log" 2>&1 &
PIDS+=($!)
say "cluster up in $T (slurmctld :$CTLD_PORT, slurmd :$SLURMD_PORT, $CPUS CPUs)"
for _ in $(seq 100); do
  state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || { say "node not idle: $state"; exit 1; }

# --- the sweeps, unsharded here and sharded on Slurm ------------------------------
SWEEP_OFF=(--param aad_connect.interval=30m,4h --users 300 --replications 2 --set pki.mode=off)
SWEEP_REAL=(--param aad_connect.interval=1h --users 20 --replications 2)
SCEN=$ROOT/scenarios/sweep-sync-interval.toml
"$BIN" sweep "$SCEN" "${SWEEP_OFF[@]}" --out "$T/full-off" --quiet
WHFB_SIM_KEY_CACHE=$T/keys-ref "$BIN" sweep "$SCEN" "${SWEEP_REAL[@]}" --out "$T/full-real" --quiet

cd "$T"
export WHFB_SIM=$BIN
say "\$ WHFB_SIM_WORK=work-off sbatch --parsable --array=1-3 --cpus-per-task=1 contrib/slurm/sweep.sbatch sweep-sync-interval.toml ${SWEEP_OFF[*]}"
OFF_JOB=$(WHFB_SIM_WORK=$T/work-off sbatch --parsable --array=1-3 --cpus-per-task=1 \
  "$ROOT/contrib/slurm/sweep.sbatch" "$SCEN" "${SWEEP_OFF[@]}")
echo "$OFF_JOB"
say "\$ WHFB_SIM_WORK=work-real WHFB_SIM_KEY_CACHE=keys sbatch --parsable --array=0-1 --cpus-per-task=1 contrib/slurm/sweep.sbatch sweep-sync-interval.toml ${SWEEP_REAL[*]}"
REAL_JOB=$(WHFB_SIM_WORK=$T/work-real WHFB_SIM_KEY_CACHE=$T/keys sbatch --parsable \
  --array=0-1 --cpus-per-task=1 "$ROOT/contrib/slurm/sweep.sbatch" "$SCEN" "${SWEEP_REAL[@]}")
echo "$REAL_JOB"
sleep 1
say "\$ squeue"
squeue -o '%.10i %.20j %.9T %.6M %R'

state_of() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' '; }
MERGES=""
for w in off:$OFF_JOB real:$REAL_JOB; do
  f=$T/work-${w%%:*}/.merge-${w##*:}/job
  for _ in $(seq 600); do [ -s "$f" ] && break; sleep 0.2; done
  [ -s "$f" ] || { say "no merge job was submitted for ${w%%:*}"; exit 1; }
  MERGES="$MERGES $(cat "$f")"
done
while true; do
  left=$(squeue -h -o %i | wc -l)
  [ "$left" = 0 ] && break
  sleep 0.5
done
for j in $OFF_JOB $REAL_JOB $MERGES; do
  s=$(state_of "$j")
  say "job $j: $s"
  [ "$s" = "JobState=COMPLETED " ] || { say "job $j did not complete"; exit 1; }
done

# --- byte for byte ----------------------------------------------------------------
for w in off real; do
  n=0
  while IFS= read -r f; do
    cmp "$T/full-$w/$f" "$T/work-$w/report/$f"
    n=$((n + 1))
  done < <(cd "$T/full-$w" && find . -type f | sort)
  [ "$n" -gt 5 ] || { say "too few files compared for $w: $n"; exit 1; }
  [ "$(cd "$T/full-$w" && find . -type f | wc -l)" = "$(cd "$T/work-$w/report" && find . -type f | wc -l)" ]
  say "$w: merge job output:"
  sed 's/^/    /' "$T"/work-$w/merge-*.out
  say "$w: cmp of the merged report ($(ls -d "$T/work-$w/shards"/* | wc -l) shards) with the unsharded run: $n files identical"
done
say "passed"
