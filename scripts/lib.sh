# SPDX-License-Identifier: Apache-2.0
# Shared by scripts/demo and scripts/test: install what is missing (Debian packages, as root),
# configure and build. Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${RUNNERFLEET_BUILD:-$ROOT/build}

# Build and runtime packages. libboost1.81-dev, never libboost-all-dev (that pulls 1.74).
BUILD_PACKAGES=(meson ninja-build pkg-config g++ libboost1.81-dev nlohmann-json3-dev libyaml-cpp-dev
                libspdlog-dev libfmt-dev catch2 libcli11-dev libssl-dev openssl python3 curl
                libdtl-dev)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the named Debian packages that are not installed yet.
need_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  log "installing ${missing[*]}"
  if [ -z "${RUNNERFLEET_APT_UPDATED:-}" ]; then
    apt-get update -qq >&2
    export RUNNERFLEET_APT_UPDATED=1
  fi
  # Nothing installed here may run as a service (Debian's prometheus would listen on :9090;
  # the tests and the demo start their own on loopback): a policy-rc.d refuses the packages'
  # starts while they install, and the units they enable for the next boot are disabled.
  local policy=/usr/sbin/policy-rc.d own_policy="" status=0 p
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# scripts/lib.sh need_packages: no service starts while it installs\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || status=$?
  [ -n "$own_policy" ] && rm -f "$policy"
  for p in "${missing[@]}"; do
    [ -f "/lib/systemd/system/$p.service" ] || continue
    if [ -d /run/systemd/system ]; then systemctl stop "$p.service" >&2 || true; fi
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --quiet "$p.service" >&2 || true; fi
  done
  return $status
}

# kubectl ships with this machine image; Debian's kubernetes-client is the fallback.
need_kubectl() {
  command -v kubectl >/dev/null 2>&1 && return 0
  need_packages kubernetes-client
}

# The MCP tests' npm packages, pinned by their package-lock.json files: tests/mcp (the
# TypeScript SDK client and ajv; the machine's Node 18+, else Debian's) and tests/mcp-tools
# (Inspector v2, the conformance suite, supergateway, and the Node 22 they need, from npm).
need_mcp_test_packages() {
  command -v npm >/dev/null 2>&1 || need_packages nodejs npm
  local dir
  for dir in "$ROOT/tests/mcp" "$ROOT/tests/mcp-tools"; do
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      log "installing MCP test packages (npm ci in ${dir#$ROOT/})"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    fi
  done
}

# Configures (once) and builds everything.
build_all() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    log "configuring $BUILD"
    meson setup "$BUILD" "$ROOT" >&2
  fi
  log "building"
  ninja -C "$BUILD" >&2
}

# Waits until a Unix socket answers GET /v1/health, up to $2 seconds.
wait_for_socket() {
  local socket=$1 seconds=${2:-20} i
  for ((i = 0; i < seconds * 10; i++)); do
    curl -sf --unix-socket "$socket" http://localhost/v1/health >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "runnerfleetd did not answer on $socket within ${seconds}s" >&2
  return 1
}
