#!/usr/bin/env bash
# The README's demo, end to end and unattended: install dependencies and build (scripts/build.sh), start a local
# devnet of 6 providers, store a 20 MiB random file with `cairn put`, SIGKILL m of the providers (m = 2 on the
# devnet's 4 + 2 code), get the file back and compare it byte for byte, show `cairn status` and `cairn ls`, stop the
# devnet (always, from an EXIT trap) and print one PASS or FAIL line. Exits non-zero on failure.
#
# Knobs (environment): CAIRN_DEMO_PROVIDERS (6), CAIRN_DEMO_MIB (20), CAIRN_DEMO_BUILD_DIR (build/),
# CAIRN_DEMO_SKIP_BUILD=1 to use an existing build, CAIRN_DEMO_KEEP=1 to keep the work folder,
# CAIRN_DEMO_TIMEOUT (seconds per step, 900).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

providers=${CAIRN_DEMO_PROVIDERS:-6}
mib=${CAIRN_DEMO_MIB:-20}
build_dir=${CAIRN_DEMO_BUILD_DIR:-$root/build}
step_timeout=${CAIRN_DEMO_TIMEOUT:-900}
cairn=$build_dir/client/cairn
provider=$build_dir/provider/cairn-provider

current="setup"
work=""
devnet=""
devnet_started=0

step() {
  current=$1
  printf '\n==> %s\n' "$1"
}

# Runs a command with a time limit, so an unattended demo cannot hang; stdin is closed so nothing can prompt.
run() {
  timeout --kill-after=30 "$step_timeout" "$@" </dev/null
}

finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$devnet_started" = 1 ]; then
    printf '\n==> stopping the devnet\n'
    if ! timeout 120 "$provider" devnet --dir "$devnet" --stop </dev/null; then
      echo "demo: warning: devnet stop failed; killing the providers by pid" >&2
      for pidfile in "$devnet"/p*/pid; do
        [ -f "$pidfile" ] && kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
      done
    fi
  fi
  if [ -n "$work" ] && [ -d "$work" ]; then
    if [ "${CAIRN_DEMO_KEEP:-0}" = 1 ]; then
      echo "demo: work folder kept: $work"
    else
      rm -rf "$work"
    fi
  fi
  echo
  if [ "$rc" -eq 0 ]; then
    echo "demo: PASS: ${mib} MiB stored on ${providers} providers, ${killed:-0} of them killed, read back byte-identical"
  else
    echo "demo: FAIL at step \"$current\" (exit code $rc)"
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

step "installing dependencies and building (scripts/build.sh)"
if [ "${CAIRN_DEMO_SKIP_BUILD:-0}" = 1 ]; then
  echo "skipped (CAIRN_DEMO_SKIP_BUILD=1); using $build_dir"
else
  bash scripts/build.sh
fi
for bin in "$cairn" "$provider"; do
  if [ ! -x "$bin" ]; then
    echo "demo: $bin was not built" >&2
    exit 1
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-demo.XXXXXX")
devnet=$work/devnet
export CAIRN_NETWORK=$devnet/network
export CAIRN_REPO=$work/repo
export CAIRN_PASSPHRASE="demo passphrase $(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"

step "starting a devnet of $providers providers in $devnet"
devnet_started=1
run "$provider" devnet --providers "$providers" --dir "$devnet"
if [ ! -f "$CAIRN_NETWORK" ]; then
  echo "demo: the devnet wrote no network file at $CAIRN_NETWORK" >&2
  exit 1
fi
k=$(sed -n 's/^[[:space:]]*k[[:space:]]*=[[:space:]]*\([0-9]\+\).*/\1/p' "$CAIRN_NETWORK")
m=$(sed -n 's/^[[:space:]]*m[[:space:]]*=[[:space:]]*\([0-9]\+\).*/\1/p' "$CAIRN_NETWORK")
k=${k:-4}
m=${m:-2}
echo "network file $CAIRN_NETWORK: erasure code ${k}+${m}"

step "making a ${mib} MiB random file"
head -c $((mib * 1024 * 1024)) /dev/urandom >"$work/demo.bin"
ls -l "$work/demo.bin"

step "cairn init (master key from CAIRN_PASSPHRASE)"
run "$cairn" init

step "cairn put demo.bin"
start=$(date +%s.%N)
run "$cairn" put "$work/demo.bin" --name demo.bin
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v mib="$mib" 'BEGIN { printf "put took %.1f s (%.1f MiB/s)\n", e - s, mib / (e - s) }'

step "killing $m providers with SIGKILL"
killed=0
for ((i = providers - 1; i >= 0 && killed < m; i--)); do
  pidfile=$devnet/p$i/pid
  if [ ! -f "$pidfile" ]; then
    echo "demo: no pid file $pidfile" >&2
    exit 1
  fi
  pid=$(cat "$pidfile")
  kill -KILL "$pid"
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" | cut -c1)" != Z ]; then
    echo "demo: provider p$i (pid $pid) survived SIGKILL" >&2
    exit 1
  fi
  echo "killed provider p$i (pid $pid)"
  killed=$((killed + 1))
done

step "cairn get demo.bin with $killed providers dead"
start=$(date +%s.%N)
run "$cairn" get demo.bin -o "$work/demo.back"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v mib="$mib" 'BEGIN { printf "get took %.1f s (%.1f MiB/s)\n", e - s, mib / (e - s) }'

step "comparing the bytes"
cmp "$work/demo.bin" "$work/demo.back"
echo "identical: $(sha256sum <"$work/demo.back" | cut -c1-16)..."

step "cairn status demo.bin"
run "$cairn" status demo.bin

step "cairn ls"
run "$cairn" ls
