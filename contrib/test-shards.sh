#!/usr/bin/env bash
# Sharding without a scheduler: all shards of a sweep started at once as background
# processes of a plain loop, merged, and compared with `cmp` to the same sweep run
# unsharded; then the same for real crypto, the shards filling one cold key pool
# together (the pool's chunk locks make each key generated once).
#
#   contrib/test-shards.sh [path/to/whfb-sim]     (default: target/debug/whfb-sim)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "${1:-$ROOT/target/debug/whfb-sim}")
SCEN=$ROOT/scenarios/sweep-sync-interval.toml
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Compares every file of two folders with cmp; prints how many.
same() {
  local n=0 f
  [ "$(cd "$1" && find . -type f | sort)" = "$(cd "$2" && find . -type f | sort)" ] || {
    echo "test-shards: $1 and $2 hold different files" >&2
    exit 1
  }
  while IFS= read -r f; do
    cmp "$1/$f" "$2/$f"
    n=$((n + 1))
  done < <(cd "$1" && find . -type f | sort)
  echo "$n"
}

# Runs shards 1..N of `whfb-sim "$@"` in parallel into $T/$name/K, then merges them.
shards() {
  local name=$1 n=$2 k pids=()
  shift 2
  for k in $(seq "$n"); do
    "$BIN" "$@" --shard "$k/$n" --out "$T/$name/$k" --quiet &
    pids+=($!)
  done
  for k in "${pids[@]}"; do wait "$k"; done
  "$BIN" merge "$T/$name" --out "$T/$name-merged" --quiet
}

OFF=(sweep "$SCEN" --param aad_connect.interval=30m,2h,6h --users 300 --replications 2 --set pki.mode=off)
"$BIN" "${OFF[@]}" --out "$T/off-full" --quiet
shards off 4 "${OFF[@]}"
echo "test-shards: crypto off, 4 shards: $(same "$T/off-full" "$T/off-merged") files identical"

export WHFB_SIM_KEY_CACHE=$T/keys
REAL=(sweep "$SCEN" --param aad_connect.interval=1h,4h --users 40 --replications 1)
shards real 3 "${REAL[@]}"
"$BIN" "${REAL[@]}" --out "$T/real-full" --quiet
echo "test-shards: real crypto, 3 shards on one cold key pool: $(same "$T/real-full" "$T/real-merged") files identical"
"$BIN" pki pool --scenario "$SCEN" --users 40 --quiet | grep -q "nothing to do" || {
  echo "test-shards: the shards left the key pool incomplete" >&2
  exit 1
}
echo "test-shards: passed"
