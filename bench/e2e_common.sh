# Shared by the end-to-end bench scripts (sourced, not run).

# Reserves a loopback net for a devnet (providers on 127.<net>.<i+1>.1) under the same lock files as the integration
# tests, so both can run at once. Sets `net` (and keeps the lock's file descriptor open in `lock_fd`); exits when all
# ten nets are taken.
reserve_loopback_net() {
  net=""
  local n
  for n in 240 241 242 243 244 245 246 247 248 249; do
    exec {lock_fd}>"/tmp/cairn-integration-net-$n.lock"
    if flock -n "$lock_fd"; then net=$n; return 0; fi
    exec {lock_fd}>&-
  done
  echo "$(basename "$0"): no free loopback net (127.240-249.*)" >&2
  exit 1
}
