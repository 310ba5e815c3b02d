#!/usr/bin/env bash
# HTTP load on loopback: the library's hot endpoints against a bare endpoint on the same Kestrel server, same run.
# Usage: bash benchmarks/http/run.sh [seconds per endpoint, default 10] [connections, default 16]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
connections=${2:-16}

command -v wrk >/dev/null 2>&1 || { echo "installing wrk"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
dotnet build benchmarks/BackgroundCallbacks.Benchmarks -c Release -nologo -v quiet >/dev/null
dotnet benchmarks/BackgroundCallbacks.Benchmarks/bin/Release/net10.0/BackgroundCallbacks.Benchmarks.dll serve "$port" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
work=$(mktemp -d)
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$base/bare" >/dev/null 2>&1 && break; sleep 0.1; done

body='{"inputs":[{"id":"in","property":"value","value":7}],"state":[],"triggered":["in.value"]}'
# One invocation makes the job (and so the cache entry and a finished job to poll); the cookie makes us its owner.
location=$(curl -fs -c "$work/cookies" -H 'Content-Type: application/json' -d "$body" "$base/_callbacks/callbacks/square" | python3 -c 'import json,sys; print(json.load(sys.stdin)["location"])')
curl -fs -b "$work/cookies" "$base$location?after=0&wait=5000" >/dev/null
cookie=$(awk '$6 ~ /Session/ {print $6"="$7}' "$work/cookies")

cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "$cookie"
LUA

run() { # name, url, extra args
  local name=$1 url=$2; shift 2
  local rps
  rps=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$url" | awk '/Requests\/sec/ {print $2}')
  printf '%-32s %10s req/s\n' "$name" "$rps" >&2
  echo "$rps"
}

echo "wrk -t2 -c$connections -d${duration}s against 127.0.0.1 (server and load share this machine's cores)"
bare_post=$(run "POST bare endpoint" "$base/bare" -s "$work/post.lua" | tail -1)
hit=$(run "POST invocation, cache hit" "$base/_callbacks/callbacks/square" -s "$work/post.lua" | tail -1)
bare_get=$(run "GET bare endpoint" "$base/bare" | tail -1)
poll=$(run "GET finished job" "$base$location" -H "Cookie: $cookie" | tail -1)
python3 - "$bare_post" "$hit" "$bare_get" "$poll" <<'PY'
import sys
bare_post, hit, bare_get, poll = map(float, sys.argv[1:])
print(f"cache hit / bare POST   = {hit / bare_post:.2f}")
print(f"job poll  / bare GET    = {poll / bare_get:.2f}")
PY
