#!/usr/bin/env bash
# Event streams over real processes: redis-server, one web process and one worker process. Progress latency from a
# handler's report to an event-stream client and to a long-poll client (p50, p99), then the web process's memory with
# N jobs each followed by its own stream (see benchmarks/BackgroundCallbacks.LoadTest/StreamBenchmark.cs).
# Usage: bash benchmarks/stream/run.sh [--jobs=30] [--streams=1000] [--hold-seconds=15]
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v redis-server >/dev/null 2>&1 || { echo "redis-server is required (apt-get install redis-server)" >&2; exit 2; }

dotnet build benchmarks/BackgroundCallbacks.LoadTest -c Release -nologo -v quiet >&2
exec dotnet benchmarks/BackgroundCallbacks.LoadTest/bin/Release/net10.0/BackgroundCallbacks.LoadTest.dll --role=stream "$@"
