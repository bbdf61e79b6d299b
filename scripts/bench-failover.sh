#!/usr/bin/env bash
# Failover engine figures (README "Failover engine"):
#   1. placement of 10,000 VMs on 64 hosts (BenchmarkDotNet, median), bench/HaWitness.Failover.Bench
#   2. the simulation's seeds per second (scripts/simulate.sh --seeds 2000)
#   3. the simulated failover timeline with default timings (scripts/simulate.sh --timeline)
#   scripts/bench-failover.sh [placement|seeds|timeline]...   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
what=("${@:-placement seeds timeline}")
for w in ${what[*]}; do
  case "$w" in
    placement)
      dotnet run --project bench/HaWitness.Failover.Bench -c Release -- --filter '*PlacementBenchmarks*' --exporters markdown \
        --artifacts "${TMPDIR:-/tmp}/hawitness-bench" 2>&1 | sed -n '/^| Method/,/^$/p'
      ;;
    seeds)
      scripts/simulate.sh --seeds 2000
      ;;
    timeline)
      scripts/simulate.sh --timeline
      ;;
    *) echo "bench-failover.sh: unknown figure '$w' (placement | seeds | timeline)" >&2; exit 2 ;;
  esac
done
