#!/usr/bin/env bash
# Seed 004: a large file uploaded (file-system store, IFormFile) against the same bytes inline as base64 in the JSON.
# The web app runs as a child process per path and round; its peak working set is read from /proc/{pid}/status.
# Usage: bash benchmarks/upload/run.sh [rounds, default 3] [megabytes, default 100]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
mb=${2:-100}

dotnet build benchmarks/BackgroundCallbacks.Benchmarks -c Release -nologo -v quiet >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet benchmarks/BackgroundCallbacks.Benchmarks/bin/Release/net10.0/BackgroundCallbacks.Benchmarks.dll upload --rounds="$rounds" --mb="$mb"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
