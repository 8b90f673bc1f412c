#!/usr/bin/env bash
# Runs every test project and prints one summary line: "N passed, N failed[, N skipped]".
# Starts the services the integration tests use (Slurm) when this machine can run them;
# set MLPC_SERVICES=0 to skip that (the tests that need them then report as skipped, with the reason).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is needed" >&2
  exit 2
fi

if [ "${MLPC_SERVICES:-1}" = "1" ] && [ -x scripts/slurm/start.sh ] && [ "$(id -u)" = "0" ]; then
  echo "== starting Slurm (scripts/slurm/start.sh)"
  scripts/slurm/start.sh || echo "test.sh: Slurm did not start; its tests will be skipped with the reason" >&2
fi

echo "== building"
dotnet build MLOps.sln -c Debug --nologo -v q -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }

status=0
for project in tests/*/*.Tests.csproj; do
  name="$(basename "$project" .csproj)"
  echo "== $name"
  dotnet test "$project" --no-build --nologo -v q \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" || status=1
done

# Sum the counters of every TRX file.
read -r passed failed skipped < <(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find(".//{*}Counters")
    if c is None:
        continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    s += int(c.get("notExecuted", 0)) + int(c.get("inconclusive", 0))
print(p, f, s)
PY
)
expected=$(ls tests/*/*.Tests.csproj | wc -l)
found=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$found" -lt "$expected" ]; then
  echo "test.sh: only $found of $expected test projects produced results" >&2
  failed=$((failed + expected - found))
  status=1
fi
[ "$failed" -gt 0 ] && status=1
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status
