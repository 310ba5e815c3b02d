#!/usr/bin/env bash
# Seed 003: server-side outputs against the JSON round trip, inline and as jobs, on an in-process Kestrel server.
# Usage: bash benchmarks/serverside/run.sh [rounds, default 7] [sizes, default 1000,100000,1000000]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-7}
sizes=${2:-1000,100000,1000000}

dotnet build benchmarks/BackgroundCallbacks.Benchmarks -c Release -nologo -v quiet >/dev/null
# The load average is printed because these machines are shared: a busy one stretches every absolute figure.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet benchmarks/BackgroundCallbacks.Benchmarks/bin/Release/net10.0/BackgroundCallbacks.Benchmarks.dll serverside --rounds="$rounds" --sizes="$sizes"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
