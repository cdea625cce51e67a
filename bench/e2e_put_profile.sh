#!/usr/bin/env bash
# Where a `cairn put` spends its wall time and CPU, on one local devnet: runs the put with CAIRN_TRACE=1 (the
# client's timeline on stderr: key unlock, discovery, each segment encoded / torrents made / every receipt in) and
# reports the CPU seconds (utime + stime) of the client and of every provider over the put, and of the whole machine.
#
# Usage: bench/e2e_put_profile.sh [--build=DIR] [--size=MiB] [--config=providers:k:m] [--runs=N]
# Defaults: build/, 1024 MiB, 6:4:2, 1 run. Needs /usr/bin/time and flock.
set -euo pipefail
cd "$(dirname "$0")/.."
build="$(pwd)/build"
size=1024
config=6:4:2
runs=1
for arg in "$@"; do
  case "$arg" in
    --build=*) build=${arg#*=} ;; --size=*) size=${arg#*=} ;; --config=*) config=${arg#*=} ;; --runs=*) runs=${arg#*=} ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
cairn=$build/client/cairn
provider=$build/provider/cairn-provider
IFS=: read -r n k m <<<"$config"
work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-put-profile.XXXXXX")
devnet=""
cleanup() {
  if [ -n "$devnet" ]; then "$provider" devnet --dir "$devnet" --stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
. bench/e2e_common.sh
reserve_loopback_net
# utime + stime of a pid in clock ticks.
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# busy and total jiffies of the machine.
machine() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
hz=$(getconf CLK_TCK)
# "pid name ticks" of every process and kernel thread.
snapshot() {
  for f in /proc/[0-9]*/stat; do cat "$f" 2>/dev/null || true; echo; done |
    awk 'NF { name = $0; sub(/^[0-9]+ \(/, "", name); sub(/\) .*/, "", name); rest = $0; sub(/.*\) /, "", rest);
               split(rest, a, " "); gsub(/ /, "_", name); print $1, name, a[12] + a[13] }'
}
seen=()

head -c "$((size << 20))" /dev/urandom >"$work/file"
devnet=$work/devnet
"$provider" devnet --providers "$n" --dir "$devnet" --base-port 27300 --net "$net" >"$work/devnet.log" 2>&1 ||
  { cat "$work/devnet.log" >&2; exit 1; }
pids=()
for ((i = 0; i < n; i++)); do pids+=("$(cat "$devnet/p$i/pid")"); done
export CAIRN_NETWORK="$devnet/network" CAIRN_REPO="$work/repo"
"$cairn" init --key-file "$work/key" >/dev/null
sleep 2
for r in $(seq "$runs"); do
  declare -A before=()
  for p in "${pids[@]}"; do before[$p]=$(ticks "$p"); done
  read -r mbusy0 mtotal0 < <(machine)
  snapshot >"$work/procs.0"
  CAIRN_TRACE=1 /usr/bin/time -f 'client wall %e s, user %U s, sys %S s, max RSS %M kB' -o "$work/time" \
    "$cairn" put "$work/file" --name "f$r" --k "$k" --m "$m" --key-file "$work/key" 2>"$work/trace" >/dev/null
  read -r mbusy1 mtotal1 < <(machine)
  snapshot >"$work/procs.1"
  total=0
  line=""
  for p in "${pids[@]}"; do
    d=$(($(ticks "$p") - ${before[$p]}))
    total=$((total + d))
    line+=" $(awk -v d="$d" -v hz="$hz" 'BEGIN { printf "%.1f", d / hz }')"
  done
  echo "== run $r: $size MiB, $n providers, $k+$m"
  { grep '^cairn trace' "$work/trace" || true; } | sed 's/^cairn trace //'
  cat "$work/time"
  awk -v t="$total" -v hz="$hz" -v l="$line" 'BEGIN { printf "providers CPU %.1f s (each:%s)\n", t / hz, l }'
  awk -v b="$((mbusy1 - mbusy0))" -v t="$((mtotal1 - mtotal0))" -v hz="$hz" \
    'BEGIN { printf "machine busy %.1f of %.1f core-seconds (%.0f%%)\n", b / hz, t / hz, 100 * b / t }'
  # The providers' own breakdown of each shard: "stored (N bytes; download A ms, torrent removal B ms, comm_d C ms,
  # fsync + rename D ms, commit E ms)", averaged over this put's shards.
  : >"$work/stored"
  for ((i = 0; i < n; i++)); do
    grep ' stored (' "$devnet/p$i/log" | tail -n "+$((${seen[$i]:-0} + 1))" >>"$work/stored" || true
    seen[$i]=$(grep -c ' stored (' "$devnet/p$i/log" || true)
  done
  sed 's/.*download \([0-9]*\) ms, torrent removal \([0-9]*\) ms, comm_d \([0-9]*\) ms, fsync + rename \([0-9]*\) ms, commit \([0-9]*\) ms.*/\1 \2 \3 \4 \5/' "$work/stored" |
    awk '{ for (i = 1; i <= 5; i++) s[i] += $i; if ($1 > max) max = $1; n++ } END { if (n) printf "providers, %d shards, mean ms: download %.0f (max %d), torrent removal %.0f, comm_d %.0f, fsync + rename %.0f, commit %.0f\n", n, s[1] / n, max, s[2] / n, s[3] / n, s[4] / n, s[5] / n }'
  echo "busiest other processes (CPU s):"
  awk -v hz="$hz" 'NR == FNR { t[$1] = $3; next } { d = $3 - ($1 in t ? t[$1] : 0); if (d > 0) print d / hz, $2 }' \
    "$work/procs.0" "$work/procs.1" | grep -v -e cairn-provider -e ' cairn$' | sort -gr | head -8 | sed 's/^/  /'
  "$cairn" rm "f$r" --key-file "$work/key" >/dev/null
done
