#!/usr/bin/env bash
# Hypervisor driver figures (measurements, not tests), on the real test harness:
#   - libvirt: PowerOnAsync -> guest running, median of 5 (TCG guest on a tgtd iSCSI LUN)
#   - VIX: driver calls per second through P/Invoke, the shim and callbacks, against the TEST DOUBLE libvix
#   - the published agent's idle RSS with the libvirt driver (and with sim): scripts/bench-agent-rss.sh
#   scripts/bench-hypervisors.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
results=$(mktemp)
trap 'rm -f "$results"' EXIT
dotnet build tests/HaWitness.Hypervisors.Tests -c Release --nologo -v quiet >/dev/null
HAWITNESS_TEST_BENCH="$results" \
  dotnet test tests/HaWitness.Hypervisors.Tests -c Release --no-build --nologo --filter "Category=Bench" >/dev/null
echo "bench-hypervisors ($(nproc) cores, $(date -u +%F)):"
sed 's/^/  /' "$results"
scripts/bench-agent-rss.sh
