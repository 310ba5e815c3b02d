#!/usr/bin/env bash
# Crossing processes on Redis (issue 13 rows g, h, i): redis-server, one web process and one worker process, the
# library against a bare baseline in alternating rounds; then idle Redis commands per second of one library worker
# process against raw Hangfire's (see benchmarks/BackgroundCallbacks.LoadTest/LatencyBenchmark.cs).
# Usage: bash benchmarks/latency/run.sh [--rounds=3] [--samples=20] [--period-ms=100] [--rows=g,h,i] [--idle-settle-seconds=10] [--idle-seconds=30]
# The tables go to stdout; progress and the build to stderr. Exit code 0 only for "RESULT: PASS".
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v redis-server >/dev/null 2>&1 || { echo "redis-server is required (apt-get install redis-server)" >&2; exit 2; }

dotnet build benchmarks/BackgroundCallbacks.LoadTest -c Release -nologo -v quiet >&2
exec dotnet benchmarks/BackgroundCallbacks.LoadTest/bin/Release/net10.0/BackgroundCallbacks.LoadTest.dll --role=latency "$@"
