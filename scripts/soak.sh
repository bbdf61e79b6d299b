#!/usr/bin/env bash
# False failovers under load: the published appliance and N sim agents on loopback, left alone for
# M minutes while stress-ng keeps every core busy and storms the disk the journal lives on (mixed
# I/O and fsyncs in a directory beside the appliance's data). Nothing is killed: every failover,
# self-fence or suspicion counted here is a false one.
#
#   scripts/soak.sh [--minutes M (30)] [--agents N (8)] [--profile default|tuned] [--no-stress]
#
# Prints HostFailed decisions, self-fences (agents' SELF-FENCED log lines and SelfFenceReported
# decisions), HostSuspected decisions, quorum losses (Quorum decisions that failed), the largest
# leaseAgeMs of an online host seen in /api/v1/status (polled once a second), and the load average.
# Exits 1 if any host was declared failed or any agent fenced itself.
# Profiles as in bench-failover-lab.sh: default = the shipped timings; tuned = heartbeat 250 ms,
# ack timeout 125 ms, lease 1250 ms, probes 250/150 ms, margin 100 ms, suspect 600 ms, power-off 500 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/free-port.sh

minutes=30 agents=8 profile=default stress=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --agents) agents=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --no-stress) stress=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak: unknown argument '$1' (--minutes M --agents N --profile default|tuned --no-stress)" >&2; exit 2 ;;
  esac
done
[[ $minutes =~ ^[1-9][0-9]*$ ]] || { echo "soak: --minutes must be a positive integer" >&2; exit 2; }
[[ $agents =~ ^[1-9][0-9]*$ && $agents -le 64 ]] || { echo "soak: --agents must be 1..64" >&2; exit 2; }
[[ $profile == default || $profile == tuned ]] || { echo "soak: --profile default|tuned" >&2; exit 2; }
scripts/deps.sh bench
[[ -x out/hawitness && -x out/hawitness-agent ]] || scripts/publish.sh >/dev/null

# /var/tmp: on the disk (not a tmpfs), so stress-ng's fsyncs compete with the journal's.
work=$(mktemp -d /var/tmp/hawitness-soak.XXXXXX)
pids=()
stress_pid=""
cleanup() {
  set +e
  exec 2>/dev/null   # no "Killed" notices from the shell
  [[ -n $stress_pid ]] && kill -TERM "$stress_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  [[ -n $stress_pid ]] && { sleep 1; kill -9 "$stress_pid" 2>/dev/null; }
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "soak: $*" >&2; exit 1; }

appliance_env=(HAWITNESS_Failover__CpuOvercommit=4)
agent_env=()
if [[ $profile == tuned ]]; then
  appliance_env+=(HAWITNESS_Lease__HeartbeatMs=250 HAWITNESS_Lease__HeartbeatTimeoutMs=125 HAWITNESS_Lease__LeaseMs=1250
    HAWITNESS_Lease__ProbeIntervalMs=250 HAWITNESS_Lease__ProbeTimeoutMs=150 HAWITNESS_Lease__MarginMs=100
    HAWITNESS_Lease__SuspectAfterMs=600)
  agent_env+=(HAWITNESS_AGENT_PowerOffBoundMs=500)
fi

http=$(free_port); raft=$(free_port); url="http://127.0.0.1:$http"
env "${appliance_env[@]}" out/hawitness serve --data "$work/w" --urls "$url" --raft "127.0.0.1:$raft" >"$work/w.log" 2>&1 &
pids+=($!)
status() { curl -s --max-time 5 "$url/api/v1/status" || true; }
for _ in $(seq 1 600); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.05; done
curl -sf "$url/healthz" >/dev/null || die "appliance did not answer: $(tail -20 "$work/w.log")"
token_file="$work/token"
out/hawitness join-token --data "$work/w" >"$token_file" 2>"$work/join-token.err" || die "join-token: $(cat "$work/join-token.err")"
for i in $(seq 1 "$agents"); do
  name=$(printf 'host%02d' "$i")
  env "${agent_env[@]}" out/hawitness-agent --witness "$url" --join-token-file "$token_file" --name "$name" \
    --hypervisor sim --sim-vms 4 --watchdog none --initiator "iqn.2026-12.lab.soak:$name" --data "$work/$name" \
    --raft "127.0.0.1:$(free_port)" --probe "127.0.0.1:$(free_port)" >"$work/$name.log" 2>&1 &
  pids+=($!)
done
formed() {
  status | jq -e --argjson n "$agents" '([.hosts[] | select(.state == "online")] | length) == $n
    and ([.vms[] | select(.state == "running")] | length) == 4 * $n' >/dev/null 2>&1
}
for _ in $(seq 1 600); do formed && break; sleep 0.5; done
formed || die "the cluster never formed ($agents hosts online, their VMs running); status: $(status | head -c 1500)"
db=$(find "$work/w" -name '*.db' -print -quit)
[[ -n $db ]] || die "no journal database under $work/w"
journal() { sqlite3 -cmd ".timeout 10000" "$db" "$1"; }
# Count only what happens from here on (joining journals its own decisions).
start_id=$(journal "SELECT coalesce(max(id), 0) FROM decisions")

if [[ $stress -eq 1 ]]; then
  mkdir -p "$work/stress"
  stress-ng --cpu 0 --hdd 2 --iomix 2 --sync-file 1 --temp-path "$work/stress" --timeout "${minutes}m" >"$work/stress.log" 2>&1 &
  stress_pid=$!
fi
echo "soak: profile $profile, $agents sim agents (4 VMs each), $minutes min, $([[ $stress -eq 1 ]] && echo "stress-ng --cpu 0 --hdd 2 --iomix 2 --sync-file 1" || echo "no stress")"

end=$(( SECONDS + minutes * 60 ))
max_age=0 max_age_host="" max_load=0 polls=0 failed_polls=0
while (( SECONDS < end )); do
  s=$(status)
  polls=$(( polls + 1 ))
  if [[ -z $s ]]; then
    failed_polls=$(( failed_polls + 1 ))
  else
    read -r age host < <(echo "$s" | jq -r '[.hosts[] | select(.state == "online" and .leaseAgeMs != null)] | max_by(.leaseAgeMs) // {leaseAgeMs: 0, name: "-"} | "\(.leaseAgeMs) \(.name)"' 2>/dev/null || echo "0 -")
    if (( age > max_age )); then max_age=$age max_age_host=$host; fi
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  if awk -v a="$load" -v b="$max_load" 'BEGIN {exit !(a > b)}'; then max_load=$load; fi
  sleep 1
done
loadavg=$(cut -d' ' -f1-3 /proc/loadavg)

count() { journal "SELECT count(*) FROM decisions WHERE id > $start_id AND $1"; }
host_failed=$(count "kind = 'HostFailed' AND outcome IN ('Decided', 'Succeeded')")
host_failed_committed=$(count "kind = 'HostFailed' AND outcome = 'Succeeded'")
suspected=$(count "kind = 'HostSuspected'")
quorum_lost=$(count "kind = 'Quorum' AND outcome = 'Failed'")
fence_reported=$(count "kind = 'SelfFenceReported'")
self_fenced=0
for f in "$work"/host*.log; do
  n=$(grep -c 'SELF-FENCED' "$f" || true)
  self_fenced=$(( self_fenced + n ))
done
hosts_online=$(status | jq '[.hosts[] | select(.state == "online")] | length' 2>/dev/null || echo "?")

echo "soak: $minutes min, profile $profile, $agents agents, stress $([[ $stress -eq 1 ]] && echo on || echo off):"
echo "  HostFailed decisions:         $host_failed ($host_failed_committed committed)"
echo "  self-fences (SELF-FENCED):    $self_fenced (SelfFenceReported decisions: $fence_reported)"
echo "  suspicions (HostSuspected):   $suspected"
echo "  quorum losses (Quorum failed): $quorum_lost"
echo "  max leaseAgeMs of an online host: $max_age ms ($max_age_host; $polls status polls, $failed_polls unanswered)"
echo "  load average: max 1-min $max_load; at the end $loadavg ($(nproc) cores)"
echo "  hosts online at the end: $hosts_online of $agents"
if [[ $suspected -gt 0 ]]; then
  echo "  suspicions, newest last:"
  journal "SELECT datetime(time_ms / 1000, 'unixepoch') || ' ' || subject || ': ' || coalesce(json_extract(evidence, '$.summary'), '') FROM decisions WHERE id > $start_id AND kind = 'HostSuspected' ORDER BY id DESC LIMIT 5" | tac | sed 's/^/    /'
fi
if [[ $quorum_lost -gt 0 ]]; then
  echo "  quorum losses, newest last:"
  journal "SELECT datetime(time_ms / 1000, 'unixepoch') || ' ' || coalesce(json_extract(evidence, '$.summary'), evidence) FROM decisions WHERE id > $start_id AND kind = 'Quorum' AND outcome = 'Failed' ORDER BY id DESC LIMIT 5" | tac | sed 's/^/    /'
fi
if [[ $host_failed -gt 0 ]]; then
  echo "  failures, newest last:"
  journal "SELECT datetime(time_ms / 1000, 'unixepoch') || ' ' || subject || ': ' || coalesce(json_extract(evidence, '$.summary'), evidence) FROM decisions WHERE id > $start_id AND kind = 'HostFailed' ORDER BY id DESC LIMIT 5" | tac | sed 's/^/    /'
fi
[[ $host_failed -eq 0 && $self_fenced -eq 0 && $fence_reported -eq 0 ]]
