#!/usr/bin/env bash
# End-to-end benchmark of `cairn put` and `cairn get` on local devnets, with its baselines measured in the same run.
#
# For each devnet (default: 6 providers with the 4+2 code, and 14 providers with 10+4) and each file size (default:
# 256 MiB and 1 GiB of random bytes), it runs `cairn put FILE` and `cairn get NAME -o OUT` --runs times (default 3),
# checks every copy with cmp, removes the object again, and reports the median of:
#   - wall time and plaintext MB/s (1 MB = 10^6 bytes) of each command, as a user sees it: process start, repository
#     open, provider discovery, encode + upload until every receipt (put); fetch, download, check, decode (get);
#   - the client's peak memory: maximum RSS from /usr/bin/time, and the peak of RssAnon sampled from /proc every
#     200 ms (RSS also counts the shard files libtorrent maps, which are page cache, not memory the client holds);
#   - the providers' peak memory: VmHWM from /proc/<pid>/status read before the devnet stops (max and sum over the
#     providers), and the sampled peak of their RssAnon during the commands.
# Baselines in the same run: `cp` of the same file (warm page cache, no fsync), and libtorrent moving 256 MiB
# between two bare sessions on loopback (bench_core's BM_TransferRawLibtorrent, with BM_TransferSwarm beside it).
# Ratios are quoted against those, since absolute figures on a shared 2-core machine drift from run to run.
#
# Usage: bench/e2e_put_get.sh [--build DIR] [--out FILE] [--sizes "256 1024"] [--configs "6:4:2 14:10:4"]
#                             [--runs N] [--keep]
#   --build DIR   a build with the targets cairn, cairn-provider and bench_core (default: build/)
#   --out FILE    the Markdown report (default: DIR/e2e-results.md); progress goes to stderr
#   --sizes       file sizes in MiB;  --configs  providers:k:m triples;  --keep  keep the work folder
# Needs /usr/bin/time, cmp, flock; about 6x the largest size of free disk space under ${TMPDIR:-/tmp}.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build="$root/build"
out=""
sizes="256 1024"
configs="6:4:2 14:10:4"
runs=3
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --configs) configs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "e2e_put_get: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || out="$build/e2e-results.md"
cairn=$build/client/cairn
provider=$build/provider/cairn-provider
bench_core=$build/bench/bench_core
for bin in "$cairn" "$provider" "$bench_core"; do
  if [ ! -x "$bin" ]; then
    echo "e2e_put_get: $bin is missing; build it: cmake --build $build --target cairn cairn-provider bench_core" >&2
    exit 2
  fi
done
[ -x /usr/bin/time ] || { echo "e2e_put_get: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-e2e-bench.XXXXXX")
devnet=""
sampler=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; fi
  if [ -n "$devnet" ]; then "$provider" devnet --dir "$devnet" --stop >/dev/null 2>&1 || true; fi
  if [ "$keep" = 1 ]; then echo "e2e_put_get: work folder kept: $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# a / b to 3 significant digits; "n/a" when b is zero or not a number.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.3g", a / b; else print "n/a" }'; }
mbps() { awk -v bytes="$1" -v s="$2" 'BEGIN { if (s + 0 > 0) printf "%.1f", bytes / s / 1e6; else print "n/a" }'; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.0f", kb / 1024 }'; }

# A loopback net for the devnet, shared safely with the integration tests.
. "$root/bench/e2e_common.sh"
reserve_loopback_net
base_port=27100

# Samples RssAnon (kB) of the given pids every 200 ms until $1.stop appears, then writes "pid peak" lines to $1.
sample_anon() {
  local file=$1
  shift
  local -A peak=()
  local p key value rest
  for p in "$@"; do peak[$p]=0; done
  while [ ! -e "$file.stop" ]; do
    for p in "$@"; do
      [ -r "/proc/$p/status" ] || continue
      while read -r key value rest; do
        if [ "$key" = "RssAnon:" ]; then
          if [ "$value" -gt "${peak[$p]}" ]; then peak[$p]=$value; fi
          break
        fi
      done 2>/dev/null <"/proc/$p/status" || true
    done
    sleep 0.2
  done
  for p in "$@"; do echo "$p ${peak[$p]}"; done >"$file"
}

# Runs a cairn command under /usr/bin/time while sampling it and the providers. Sets: wall (s), maxrss (kB),
# client_anon (kB), providers_anon_max (kB), providers_anon_sum (kB).
measure() {
  local tag=$1
  shift
  local tfile="$work/time.$tag" sfile="$work/anon.$tag"
  rm -f "$sfile" "$sfile.stop"
  /usr/bin/time -f '%e %M' -o "$tfile" "$@" >"$work/out.$tag" 2>&1 &
  local tpid=$!
  local child=""
  for _ in $(seq 200); do
    child=$(cat "/proc/$tpid/task/$tpid/children" 2>/dev/null || true)
    child=${child%% *}
    [ -n "$child" ] && break
    kill -0 "$tpid" 2>/dev/null || break
    sleep 0.01
  done
  sample_anon "$sfile" ${child:+"$child"} "${provider_pids[@]}" &
  sampler=$!
  local rc=0
  wait "$tpid" || rc=$?
  touch "$sfile.stop"
  wait "$sampler" || true
  sampler=""
  if [ "$rc" -ne 0 ]; then
    echo "e2e_put_get: '$*' failed (exit code $rc):" >&2
    cat "$work/out.$tag" >&2
    exit 1
  fi
  read -r wall maxrss <"$tfile"
  client_anon=0
  providers_anon_max=0
  providers_anon_sum=0
  local p v
  while read -r p v; do
    if [ "$p" = "$child" ]; then
      client_anon=$v
    else
      providers_anon_sum=$((providers_anon_sum + v))
      if [ "$v" -gt "$providers_anon_max" ]; then providers_anon_max=$v; fi
    fi
  done <"$sfile"
}

log "work folder $work, devnet net 127.$net.*, runs $runs"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)

# ---- baselines ----
log "baseline: libtorrent, two bare sessions, 256 MiB on loopback (bench_core)"
"$bench_core" --benchmark_filter='BM_Transfer(RawLibtorrent|Swarm)' --benchmark_format=json \
  >"$work/baseline.json" 2>"$work/baseline.err" || { cat "$work/baseline.err" >&2; exit 1; }
bps_of() {
  awk -v want="$1" '/"name":/ { name = $0 } /"bytes_per_second":/ && index(name, want) { gsub(/[^0-9.e+]/, "", $2); print $2; exit }' \
    "$work/baseline.json"
}
raw_bps=$(bps_of BM_TransferRawLibtorrent)
swarm_bps=$(bps_of BM_TransferSwarm)
raw_mbps=$(awk -v b="$raw_bps" 'BEGIN { printf "%.1f", b / 1e6 }')
swarm_mbps=$(awk -v b="$swarm_bps" 'BEGIN { printf "%.1f", b / 1e6 }')
log "  raw libtorrent $raw_mbps MB/s, Swarm $swarm_mbps MB/s"

declare -A cp_mbps=()
for size in $sizes; do
  file="$work/file-$size"
  log "making a $size MiB random file"
  head -c "$((size << 20))" /dev/urandom >"$file"
  for r in $(seq "$runs"); do
    start=$EPOCHREALTIME  # microseconds: /usr/bin/time's 10 ms steps are too coarse for a cp
    cp "$file" "$work/cp-copy"
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f\n", b - a }'
    rm -f "$work/cp-copy"
  done >"$work/cp.$size"
  cp_mbps[$size]=$(mbps "$((size << 20))" "$(median <"$work/cp.$size")")
  log "  cp: ${cp_mbps[$size]} MB/s"
done

# ---- devnets ----
rows=()
for config in $configs; do
  IFS=: read -r n k m <<<"$config"
  devnet="$work/devnet-$n"
  log "devnet of $n providers, code $k+$m"
  "$provider" devnet --providers "$n" --dir "$devnet" --base-port "$base_port" --net "$net" >"$work/devnet-$n.log" 2>&1 ||
    { cat "$work/devnet-$n.log" >&2; exit 1; }
  provider_pids=()
  for ((i = 0; i < n; i++)); do provider_pids+=("$(cat "$devnet/p$i/pid")"); done
  export CAIRN_NETWORK="$devnet/network" CAIRN_REPO="$work/repo-$n"
  "$cairn" init --key-file "$work/key-$n" >/dev/null
  for size in $sizes; do
    bytes=$((size << 20))
    file="$work/file-$size"
    : >"$work/put.$n.$size"
    : >"$work/get.$n.$size"
    for r in $(seq "$runs"); do
      name="f$size-$r"
      measure "put-$n-$size-$r" "$cairn" put "$file" --name "$name" --k "$k" --m "$m" --key-file "$work/key-$n"
      echo "$wall $maxrss $client_anon $providers_anon_max $providers_anon_sum" >>"$work/put.$n.$size"
      log "  put $size MiB run $r: $wall s ($(mbps "$bytes" "$wall") MB/s), client RSS $(mib "$maxrss") MiB"
      measure "get-$n-$size-$r" "$cairn" get "$name" -o "$work/got" --key-file "$work/key-$n"
      echo "$wall $maxrss $client_anon $providers_anon_max $providers_anon_sum" >>"$work/get.$n.$size"
      log "  get $size MiB run $r: $wall s ($(mbps "$bytes" "$wall") MB/s), client RSS $(mib "$maxrss") MiB"
      cmp "$file" "$work/got" || { echo "e2e_put_get: the copy of $name differs" >&2; exit 1; }
      rm -f "$work/got"
      "$cairn" rm "$name" --key-file "$work/key-$n" >/dev/null
    done
  done
  hwm_max=0
  hwm_sum=0
  for p in "${provider_pids[@]}"; do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status")
    hwm_sum=$((hwm_sum + v))
    if [ "$v" -gt "$hwm_max" ]; then hwm_max=$v; fi
  done
  "$provider" devnet --dir "$devnet" --stop >/dev/null
  devnet=""
  for size in $sizes; do
    bytes=$((size << 20))
    col() { awk -v c="$2" '{ print $c }' "$1" | median; }
    pw=$(col "$work/put.$n.$size" 1)
    gw=$(col "$work/get.$n.$size" 1)
    pm=$(mbps "$bytes" "$pw")
    gm=$(mbps "$bytes" "$gw")
    rows+=("| $n, $k+$m | $size MiB | $pw | $pm | $(ratio "$pm" "$raw_mbps") | $gw | $gm | $(ratio "$gm" "$raw_mbps") | $(ratio "$pm" "${cp_mbps[$size]}") / $(ratio "$gm" "${cp_mbps[$size]}") | $(mib "$(col "$work/put.$n.$size" 2)") / $(mib "$(col "$work/get.$n.$size" 2)") | $(mib "$(col "$work/put.$n.$size" 3)") / $(mib "$(col "$work/get.$n.$size" 3)") | $(mib "$(col "$work/put.$n.$size" 4)") / $(mib "$(col "$work/get.$n.$size" 4)") |")
  done
  rows+=("| $n, $k+$m | providers' VmHWM after all runs: max $(mib "$hwm_max") MiB, sum $(mib "$hwm_sum") MiB | | | | | | | | | | |")
done

{
  echo "# End-to-end put/get benchmark (bench/e2e_put_get.sh)"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, commit $commit, median of $runs runs per cell; MB = 10^6 bytes."
  echo
  echo "## Baselines (same run)"
  echo
  echo "| baseline | MB/s |"
  echo "|---|---|"
  echo "| libtorrent, two bare sessions, 256 MiB over loopback (bench_core BM_TransferRawLibtorrent) | $raw_mbps |"
  echo "| the same through cairn's Swarm (BM_TransferSwarm) | $swarm_mbps ($(ratio "$swarm_mbps" "$raw_mbps")x raw) |"
  for size in $sizes; do echo "| cp of the $size MiB file (warm page cache, no fsync) | ${cp_mbps[$size]} |"; done
  echo
  echo "## cairn put / get (the cairn CLI, wall time per command)"
  echo
  echo "| devnet, code | size | put s | put MB/s | put / raw lt | get s | get MB/s | get / raw lt | put / cp, get / cp | client max RSS MiB put / get | client peak RssAnon MiB put / get | max provider peak RssAnon MiB put / get |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "MB/s are plaintext bytes over the command's wall time, which includes process start, repository open and"
  echo "provider discovery. A put moves (k+m)/k times the plaintext (1.5x for 4+2, 1.4x for 10+4) from the client"
  echo "to the providers; a get moves 1x (k shards per segment). The raw libtorrent figure moves one file between"
  echo "one pair of sessions. Max RSS counts the shard files libtorrent maps (page cache); RssAnon is what the"
  echo "process itself holds."
} >"$out"
log "report written to $out"
cat "$out"
