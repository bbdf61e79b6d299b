#!/usr/bin/env bash
# The seeded randomized failover simulation: the real engine, planner, state machine and agent code over a
# simulated network, hosts, hypervisors, iSCSI target and clock (tests/HaWitness.Failover.Simulation).
#   scripts/simulate.sh --seeds N [--seed S]   runs N seeds from S (default 1); prints "N seeds, V violations"
#   scripts/simulate.sh --seed S               replays one seed with its layout, events, trace and journal
#   scripts/simulate.sh --scenario DIR         runs one story (tests/HaWitness.Failover.Tests/Scenarios/NAME)
#   scripts/simulate.sh --timeline            the simulated failover timeline (detect, fence, decide, start) with default timings
#   scripts/simulate.sh --family restarts --seeds N   the appliance-restart family: only appliance crashes and restarts; nobody may be fenced
# Extra: --stats (seeds in which each kind of decision happened), --trace.
# Exit code: 0 when no seed broke an invariant, 1 otherwise (each failing seed is printed with its number).
set -euo pipefail
cd "$(dirname "$0")/.."
project=tests/HaWitness.Failover.Simulation
dll=$project/bin/Release/net10.0/HaWitness.Failover.Simulation.dll
if [[ ! -f $dll ]] || [[ -n $(find src/HaWitness.Failover src/HaWitness.Cluster src/HaWitness.Core src/HaWitness.Agent.Runtime $project -name '*.cs' -newer "$dll" -print -quit) ]]; then
  log=$(mktemp)
  if ! dotnet build "$project" -c Release --nologo >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
fi
exec dotnet "$dll" "$@"
