#!/usr/bin/env bash
# Figures for "requests are bounded before they cost anything" (docs/operator.md, "Figures"), on
# loopback only, each phase bounded in time (the whole run takes about 1-3 minutes):
#   refusals  journal.db + WAL bytes and decision rows after 10,000 heartbeats with a wrong member key
#             and 10,000 joins with a wrong token, one address (the joins meet the rate limit)
#   bodies    the appliance's RSS while 12 clients push 16 MiB unauthenticated heartbeat bodies at once
#   logins    heartbeat acknowledgement p50/p99 (a registered sim host's own key) alone, then during
#             50 concurrent wrong logins from one address, then from 50 addresses
#   scripts/bench-requests.sh [refusals|bodies|logins]...   (default: all three)
# Environment: BENCH_BIN  directory of the published hawitness and hawitness-agent; default: the
#                         Release build (dotnet build -c Release), run with `dotnet` (JIT)
#              BENCH_AGENT_BIN  directory of hawitness-agent when it is not in BENCH_BIN
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/free-port.sh
what=("${@:-refusals bodies logins}")
pids=(); dirs=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${dirs[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT

if [[ -n ${BENCH_BIN:-} ]]; then
  appliance=("$BENCH_BIN/hawitness"); agent=("${BENCH_AGENT_BIN:-$BENCH_BIN}/hawitness-agent")
else
  dotnet build src/HaWitness.Appliance -c Release --nologo -v q >/dev/null
  dotnet build src/HaWitness.Agent -c Release --nologo -v q >/dev/null
  appliance=(dotnet src/HaWitness.Appliance/bin/Release/net10.0/hawitness.dll)
  agent=(dotnet src/HaWitness.Agent/bin/Release/net10.0/hawitness-agent.dll)
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores); appliance: ${appliance[*]}"

# Starts a fresh appliance; sets url, data, wpid. A port free_port picked may still be taken (the
# previous phase's thousands of client ports), so it tries three times.
start() {
  local work attempt
  for attempt in 1 2 3; do
    work=$(mktemp -d /tmp/hawitness-bench-requests.XXXXXX); dirs+=("$work")
    data="$work/w"; url="http://127.0.0.1:$(free_port)"
    "${appliance[@]}" serve --data "$data" --urls "$url" --raft "127.0.0.1:$(free_port)" >"$work/w.log" 2>&1 &
    wpid=$!; pids+=($wpid)
    for _ in $(seq 1 400); do
      curl -sf "$url/healthz" >/dev/null && return
      kill -0 "$wpid" 2>/dev/null || break
      sleep 0.05
    done
    echo "bench-requests: the appliance did not start (attempt $attempt); its log:" >&2; tail -3 "$work/w.log" >&2
  done
  return 1
}

for w in ${what[*]}; do
  case "$w" in
    refusals|bodies)
      start
      timeout 300 python3 scripts/lib/bench-requests.py "$w" "$url" "$data" "$wpid"
      ;;
    logins)
      start
      "${agent[@]}" --witness "$url" --join-token "$("${appliance[@]}" join-token --data "$data")" --name host1 --hypervisor sim \
        --sim-vms 20 --data "$data-host1" --raft "127.0.0.1:$(free_port)" --probe "127.0.0.1:$(free_port)" >"$data-host1.log" 2>&1 &
      pids+=($!)
      t0=$(date +%s)
      until [[ $(curl -s "$url/api/v1/status" || true) == *'"state":"online"'* ]]; do
        (( $(date +%s) - t0 < 120 )) || { echo "bench-requests: host1 not online after 120 s" >&2; exit 1; }
        sleep 0.5
      done
      timeout 300 python3 scripts/lib/bench-requests.py logins "$url" "$data" "$wpid" host1
      ;;
    *) echo "bench-requests: unknown phase '$w' (refusals | bodies | logins)" >&2; exit 2 ;;
  esac
  kill "$wpid" 2>/dev/null || true
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
