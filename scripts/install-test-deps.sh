#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian machine lacks: redis-server (the Redis backend tests start their
# own servers), chromium (the browser tests drive it), and npm with the browser tests' axe-core (the accessibility
# check injects it into the sample's pages). Safe to run again: it installs only what is missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
browser_tests="$root/tests/BackgroundCallbacks.Browser.Tests"

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
needs_axe=false
[ -f "$browser_tests/node_modules/axe-core/axe.min.js" ] || needs_axe=true
if $needs_axe && ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

install_axe() {
  if $needs_axe; then
    echo "install-test-deps: installing axe-core for the browser tests"
    # The lock file pins the exact version; npm ci installs just that.
    (cd "$browser_tests" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_axe
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-test-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_axe
