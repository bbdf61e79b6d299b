#!/usr/bin/env bash
# The real failover timeline, on the published binaries, lease-only (no storage target), sim agents:
# a host's agent is killed (SIGKILL) and we time, from the kill, when the appliance shows it failed
# and when all of its VMs run again on the survivor. N rounds, a fresh victim host each round.
#   scripts/bench-failover-lab.sh [ROUNDS] [default|fast]
#     default: heartbeat 1 s, lease 5 s, agents' power-off bound 3 s (the shipped defaults)
#     fast:    heartbeat 0.5 s, lease 3 s, ack timeout 0.25 s, probes 0.5 s / 0.3 s, power-off bound 1 s
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/free-port.sh
rounds=${1:-5}
profile=${2:-default}
[[ -x out/hawitness && -x out/hawitness-agent ]] || scripts/publish.sh >/dev/null
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
now_ms() { date +%s%3N; }

# Every round moves 4 more VMs onto the survivor (16 CPUs): room for all of them (the VMs stay where
# they were restarted), else round 4 would rightly end in "not restarted: no capacity".
envs=(HAWITNESS_Failover__CpuOvercommit=4); agent_env=()
if [[ $profile == fast ]]; then
  envs+=(HAWITNESS_Lease__HeartbeatMs=500 HAWITNESS_Lease__LeaseMs=3000 HAWITNESS_Lease__HeartbeatTimeoutMs=250 \
        HAWITNESS_Lease__ProbeIntervalMs=500 HAWITNESS_Lease__ProbeTimeoutMs=300 HAWITNESS_Lease__SuspectAfterMs=1200)
  agent_env=(HAWITNESS_AGENT_PowerOffBoundMs=1000)
fi

http=$(free_port); raft=$(free_port); url="http://127.0.0.1:$http"
env "${envs[@]}" out/hawitness serve --data "$work/w" --urls "$url" --raft "127.0.0.1:$raft" >"$work/w.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.05; done
token=$(out/hawitness join-token --data "$work/w")
start_agent() {
  env "${agent_env[@]}" out/hawitness-agent --witness "$url" --join-token "$token" --name "$1" --hypervisor sim --sim-vms 4 \
    --data "$work/$1" --raft "127.0.0.1:$(free_port)" --probe "127.0.0.1:$(free_port)" >"$work/$1.log" 2>&1 &
  pids+=($!); echo $!
}
status() { curl -s "$url/api/v1/status"; }
host_state() { status | grep -o "\"name\":\"$1\",\"state\":\"[a-z]*\"" | sed 's/.*"state":"//; s/"//'; }
# all VMs named after $1 run on a host other than $1
moved() { local s; s=$(status); [[ $(echo "$s" | grep -o "\"name\":\"$1-vm[0-9]*\",\"host\":\"[a-z0-9-]*\",\"state\":\"running\"" | grep -vc "\"host\":\"$1\"") -eq 4 ]]; }
wait_for() { for _ in $(seq 1 3000); do "$@" && return 0; sleep 0.02; done; echo "bench: timed out: $* (last status: $(status | head -c 400))" >&2; return 1; }
is_state() { [[ "$(host_state "$1")" =~ ^($2)$ ]]; }

start_agent survivor >/dev/null
wait_for is_state survivor online
failed=(); running=()
for i in $(seq 1 "$rounds"); do
  pid=$(start_agent "victim$i")
  pids+=("$pid")   # start_agent ran in a subshell: record the PID here for the cleanup
  wait_for is_state "victim$i" online
  sleep 4
  t0=$(now_ms); kill -9 "$pid"
  wait_for is_state "victim$i" 'failed|fenced'
  failed+=($(( $(now_ms) - t0 )))
  wait_for moved "victim$i"
  running+=($(( $(now_ms) - t0 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "profile $profile, lease-only, $rounds rounds, 4 VMs per victim:"
echo "  SIGKILL -> host failed:          median $(median "${failed[@]}") ms [${failed[*]}]"
echo "  SIGKILL -> all its VMs running:  median $(median "${running[@]}") ms [${running[*]}]"
