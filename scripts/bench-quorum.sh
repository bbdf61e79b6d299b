#!/usr/bin/env bash
# Quorum figures on the published binaries, default timings (heartbeat 1 s, lease 5 s):
#   - time from an agent's SIGKILL to HostFailed committed (status shows it failed), N rounds
#   - idle RSS of an agent and of the appliance
# then the Raft commit latency with 8 agents (in-process members, mutual TLS, loopback).
#   scripts/bench-quorum.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
[[ -x out/hawitness && -x out/hawitness-agent ]] || scripts/publish.sh >/dev/null
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || shuf -i 20000-60000 -n 1; }
state_of() { curl -s "$url/api/v1/status" | grep -o "\"name\":\"$1\",\"state\":\"[a-z]*\"" | sed 's/.*"state":"//; s/"//'; }
now_ms() { date +%s%3N; }

http=$(free_port); raft=$(free_port)
url="http://127.0.0.1:$http"
out/hawitness serve --data "$work/w" --urls "$url" --raft "127.0.0.1:$raft" >"$work/w.log" 2>&1 &
pids+=($!); wpid=$!
for _ in $(seq 1 200); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.05; done
token=$(out/hawitness join-token --data "$work/w")

start_agent() { # name
  local r p; r=$(free_port); p=$(free_port)
  out/hawitness-agent --witness "$url" --join-token "$token" --name "$1" --hypervisor sim --sim-vms 2 \
    --data "$work/$1" --raft "127.0.0.1:$r" --probe "127.0.0.1:$p" >"$work/$1.log" 2>&1 &
  pids+=($!); echo $!
}
wait_state() { # name state-regex
  for _ in $(seq 1 1500); do [[ "$(state_of "$1")" =~ ^($2)$ ]] && return 0; sleep 0.02; done
  echo "bench: $1 never became $2; status: $(curl -s "$url/api/v1/status")" >&2
  tail -n 20 "$work/w.log" >&2; return 1
}

keeper=$(start_agent keeper)   # keeps the heartbeat quorum while the victims die
pids+=("$keeper")              # start_agent ran in a subshell: record its PID here for the cleanup
wait_state keeper online
sleep 10
echo "idle RSS: appliance $(( $(awk '/VmRSS/ {print $2}' /proc/$wpid/status) / 1024 )) MiB, agent $(( $(awk '/VmRSS/ {print $2}' /proc/$keeper/status) / 1024 )) MiB (sim hypervisor, 2 VMs)"

results=()
for i in $(seq 1 "$rounds"); do
  pid=$(start_agent "victim$i")
  pids+=("$pid")
  wait_state "victim$i" online
  sleep 3
  t0=$(now_ms); kill -9 "$pid"
  wait_state "victim$i" 'failed|fenced'   # the failover engine fences it (lease only) soon after
  results+=($(( $(now_ms) - t0 )))
  # Let dynamic quorum take the dead host out of the voters (once its lease-safety time passed)
  # before the next one joins and dies: two dead voters out of four would stall any Raft group.
  for _ in $(seq 1 500); do curl -s "$url/api/v1/status" | grep -q "\"name\":\"victim$i\",[^}]*\"voter\":false" && break; sleep 0.02; done
  sleep 1
done
sorted=$(printf '%s\n' "${results[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "SIGKILL -> HostFailed committed: median ${median} ms over $rounds rounds [$(echo $sorted | tr '\n' ' ')] (bound after the last heartbeat: 5862 ms)"
dotnet run -c Release --project bench/HaWitness.Bench.Quorum -- 8 1000 2>/dev/null | tail -1
