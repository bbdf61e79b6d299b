#!/usr/bin/env bash
# Publishes both Native-AOT binaries, self-contained for linux-x64, into out/:
#   out/hawitness, out/hawitness-agent (+ libe_sqlite3.so beside them, and libhawitness-vixshim.so
#   when the agent references src/HaWitness.Hypervisors, whose build compiles it with gcc; dotnet
#   publish copies it).
# Fails if the AOT compiler or trimmer prints any warning.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh publish
out=${OUT:-out}
mkdir -p "$out"

for project in HaWitness.Appliance HaWitness.Agent; do
  log=$(mktemp)
  echo "publish: $project" >&2
  if ! dotnet publish "src/$project" -c Release -r linux-x64 -o "$out" --nologo >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi
  if grep -E "warning (IL|CS|CA|NU)[0-9]+" "$log" >&2; then
    echo "publish: $project has warnings (above); AOT builds must be warning-free" >&2
    rm -f "$log"; exit 1
  fi
  rm -f "$log"
done
rm -f "$out"/*.pdb "$out"/*.dbg
# The VIX shim ships beside the agent whenever the agent references the hypervisor drivers.
ls -l "$out"/hawitness "$out"/hawitness-agent "$out"/libe_sqlite3.so $(ls "$out"/libhawitness-vixshim.so 2>/dev/null)
