#!/usr/bin/env bash
# Issue 13, points 1 and 3: the Redis backend against its floor, raw Hangfire and a hand-written Hangfire app, on one
# redis-server the benchmark starts itself (127.0.0.1, a free port, stopped by its pid), in one process, sides
# alternated round by round. Needs redis-server on PATH (scripts/install-test-deps.sh installs it).
# Usage: bash benchmarks/redis/run.sh [rounds, default 3] [seconds per side for the load rows, default 5] [more options]
#   more options: --clients=16 --jobs=100 --hand-jobs=20 --count-jobs=200 --value-bytes=1024 --workers=N
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
seconds=${2:-5}
shift $(( $# > 2 ? 2 : $# ))

dotnet build benchmarks/BackgroundCallbacks.Benchmarks -c Release -nologo -v quiet >/dev/null
# The load average is printed because these machines are shared: a busy one stretches every absolute figure.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet benchmarks/BackgroundCallbacks.Benchmarks/bin/Release/net10.0/BackgroundCallbacks.Benchmarks.dll redis --rounds="$rounds" --seconds="$seconds" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
