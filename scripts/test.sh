#!/usr/bin/env bash
# Runs every test of HaWitness (unit, journal crash, real processes; later: tgtd, sshd, Raft, namespaces).
#   scripts/test.sh [extra dotnet test args, e.g. --filter FullyQualifiedName~Journal]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test HaWitness.sln -c Release --nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# One summary line over all test assemblies.
awk '
  /^(Passed|Failed)!/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  f += $(i+1);
      if ($i == "Passed:")  p += $(i+1);
      if ($i == "Skipped:") s += $(i+1);
      if ($i == "Total:")   t += $(i+1);
    }
    n++
  }
  END { printf "\nTEST SUMMARY: %d assemblies, %d tests: %d passed, %d failed, %d skipped\n", n, t, p, f, s }
' "$log"
exit "$rc"
