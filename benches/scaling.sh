#!/usr/bin/env bash
# How a whole `whfb-sim run` grows with the number of users: wall time, CPU time, peak
# memory and events, for the default scenario (two variants), crypto off from 1k to 1M
# users on one thread, and real crypto from 1k to 20k users (warm key pool) on one thread
# and on all cores. Writes outputs under a temporary folder; prints a Markdown table.
#
# Usage: benches/scaling.sh [BIN] (default target/release/whfb-sim)
# Real mode reads keys from $WHFB_SIM_KEY_CACHE (a pool without enough keys generates the
# missing ones first, ~70 ms of CPU each: run once to warm it, then measure).
# OFF_SIZES / REAL_SIZES / REAL_THREADS override the lists (empty: none).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/whfb-sim}
OFF_SIZES=${OFF_SIZES-"1000 10000 100000 1000000"}
REAL_SIZES=${REAL_SIZES-"1000 2000 5000 10000 20000"}
REAL_THREADS=${REAL_THREADS-"1 2"}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

row() { # mode users threads extra-args...
  local mode=$1 users=$2 threads=$3; shift 3
  local out="$TMP/$mode-$users-$threads"
  /usr/bin/time -f "%e %U %M" -o "$TMP/time" "$BIN" run --users "$users" --threads "$threads" \
    --quiet --out "$out" --set "pki.mode=$mode" "$@" >/dev/null
  read -r wall cpu rss <"$TMP/time"
  local events
  events=$(python3 -c "import json,sys; print(sum(v['events'] for v in json.load(open(sys.argv[1]))['variants']))" "$out/summary.json")
  python3 - "$mode" "$users" "$threads" "$wall" "$cpu" "$rss" "$events" <<'PY'
import sys
mode, users, threads, wall, cpu, rss, events = sys.argv[1:]
users, wall, cpu, rss, events = int(users), float(wall), float(cpu), int(rss), int(events)
print(f"| {mode} | {users:,} | {threads} | {wall:.2f} | {cpu:.2f} | {rss / 1024:.0f} | {events:,} "
      f"| {events / wall / 1e6:.2f} | {users / wall:,.0f} |")
PY
  rm -rf "$out"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| pki | users | threads | wall s | CPU s | peak RSS MiB | events | M events/s (wall) | users/s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $OFF_SIZES; do row off "$n" 1; done
for n in $REAL_SIZES; do
  for t in $REAL_THREADS; do row real "$n" "$t"; done
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
