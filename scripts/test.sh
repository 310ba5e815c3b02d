#!/usr/bin/env bash
# Runs every test of the solution, installing what the tests need first. This is the README's test command and
# what CI runs. Exits non-zero when any test fails (or none ran), and ends with one line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh || { echo "tests: could not install the test dependencies" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet build BackgroundCallbacks.sln -c Release -warnaserror -nologo -v quiet || { echo "tests: build failed" >&2; exit 1; }
# The packages, before the tests: a pack warning fails the run, and the package tests use what this leaves.
bash scripts/pack.sh artifacts/packages || { echo "tests: pack failed" >&2; exit 1; }
# One test project at a time: the Redis and browser tests start servers, workers and a browser, and two such runs
# competing for the two cores would only make each slower.
status=0
for project in tests/*.Tests/*.Tests.csproj; do
  echo "== $project"
  dotnet test "$project" -c Release --no-build --nologo "$@" 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done

# dotnet test ends each test assembly with "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T"; add them up.
read -r passed failed < <(awk '/(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
  } END { print p + 0, f + 0 }' "$log")
echo "tests: ${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
