#!/usr/bin/env bash
# Packs every library under src/ (the .nupkg and its .snupkg) into the folder given, artifacts/packages by default.
# -warnaserror: a pack warning (a missing readme, icon or license, say) fails it. CI runs it through test.sh, and the
# package tests run the same script into a folder of their own when artifacts/packages is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/packages}"
mkdir -p "$out"
rm -f "$out"/*.nupkg "$out"/*.snupkg
for project in src/*/*.csproj; do
  dotnet pack "$project" -c Release -warnaserror -nologo -v quiet -o "$out"
done
