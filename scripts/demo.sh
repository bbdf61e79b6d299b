#!/usr/bin/env bash
# Runs HaWitness on its embedded defaults: publishes the binaries if they are missing or older
# than the sources, starts the appliance (data in ./var/hawitness, status on http://127.0.0.1:8080)
# and a small lab of simulated hosts on loopback (sim hypervisor, 3 VMs each), then waits.
# Kill one host's agent to watch a failover: the command to do so is printed. Ctrl+C stops everything.
#   scripts/demo.sh [--hosts N]   (N = 0: the appliance alone)
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=2
[[ "${1:-}" == "--hosts" ]] && hosts=${2:?--hosts N}
if [[ ! -x out/hawitness || ! -x out/hawitness-agent ]] || [[ -n $(find src Directory.Build.props Directory.Packages.props -newer out/hawitness -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit) ]]; then
  scripts/publish.sh
fi

pids=()
stop() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

mkdir -p var
out/hawitness serve &
pids+=($!)
for _ in $(seq 1 200); do curl -sf http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf http://127.0.0.1:8080/healthz >/dev/null || { echo "demo: the appliance did not start (see above)" >&2; exit 1; }
token=$(out/hawitness join-token)

for i in $(seq 1 "$hosts"); do
  out/hawitness-agent --witness http://127.0.0.1:8080 --join-token "$token" --name "host$i" --hypervisor sim --sim-vms 3 \
    --data "var/hawitness-agent-$i" --raft "127.0.0.1:$((7420 + 10 * i))" --probe "127.0.0.1:$((7421 + 10 * i))" \
    >"var/agent-$i.log" 2>&1 &
  pids+=($!)
  echo "demo: host$i agent pid $! (kill -9 $! to watch a failover), log var/agent-$i.log" >&2
done

echo "demo: status: http://127.0.0.1:8080/api/v1/status   (Ctrl+C stops everything)" >&2
wait "${pids[0]}"
