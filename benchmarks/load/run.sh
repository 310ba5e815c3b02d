#!/usr/bin/env bash
# Load over real processes: redis-server, one web process and two worker processes, with many clients following jobs
# by long poll (see benchmarks/BackgroundCallbacks.LoadTest/Program.cs). Arguments pass through to the driver.
# Usage: bash benchmarks/load/run.sh [--clients=200] [--seconds=60] [--drain-seconds=60] [--workers-per-process=N] [--redis-cluster=true] [--mix=standard|tiny] [--report=path]
# The report goes to stdout; progress and the build to stderr. Exit code 0 only for "RESULT: PASS".
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v redis-server >/dev/null 2>&1 || { echo "redis-server is required (apt-get install redis-server)" >&2; exit 2; }

dotnet build benchmarks/BackgroundCallbacks.LoadTest -c Release -nologo -v quiet >&2
exec dotnet benchmarks/BackgroundCallbacks.LoadTest/bin/Release/net10.0/BackgroundCallbacks.LoadTest.dll "$@"
