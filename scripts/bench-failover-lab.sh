#!/usr/bin/env bash
# The real failover timeline, measured from outside, with the storage fence on.
#
#   scripts/bench-failover-lab.sh [--rounds N] [--profile default|tuned] [--kill agent|link]
#
# Network namespaces joined by a bridge (their private subnet exists only inside them):
#   witness   a real tgtd (one target, a file LUN), a real sshd (key login, /bin/sh, empty home) and
#             the published appliance (out/hawitness serve) whose storage fence drives that tgtd over SSH
#   survivor  one host for the whole run: out/hawitness-agent --hypervisor sim --sim-vms 4
#   vNN       a FRESH victim host per round (same agent), so no round depends on the one before
# Each round: wait until both hosts are online voters, their VMs run and the victim's initiator is
# granted at the target; wait a random 0-1 s (the kill lands at a random heartbeat phase); then
#   --kill agent   SIGKILL the victim's agent (its sim VMs die with it)
#   --kill link    take the victim's link down (it must fence itself; it is never brought back:
#                  its namespace is deleted after the round)
# and time, from the kill, when the appliance's status API (read from inside the witness namespace)
# shows the victim failed, fenced, all its VMs placed elsewhere, and all of them running elsewhere.
# The appliance's journal (SQLite) gives the per-phase breakdown:
#   detect   kill -> HostFailed committed
#   fence    HostFailed -> FenceHost Succeeded (revoked, sessions dropped, verified at the target)
#   wait     fence -> first PlaceVm (the victim's lease surely expired, WaitLease)
#   place    first -> last PlaceVm of the victim's VMs
#   start    last PlaceVm -> the survivor's report that showed the last of them running arrived
#   confirm  that report -> last StartVm Succeeded (the appliance journals each start as confirmed)
# (the phases add up to kill -> last StartVm Succeeded, printed as the journal's TOTAL; the status
# API may show the VMs running a little before the last confirmation is journaled)
# Safety is checked from outside with tgtadm: when a victim's VM is first seen placed on the
# survivor, and again after the round, the victim's initiator has no ACL and no session at tgtd.
#
# Profiles: default = the shipped timings (nothing set); tuned = heartbeat 250 ms, ack timeout
# 125 ms, lease 1250 ms, probes 250/150 ms, margin 100 ms, suspect 600 ms, agents' power-off bound 500 ms.
# Needs root, iproute2, tgt, openssh-server, curl, jq, sqlite3 (scripts/deps.sh bench).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/netlab.sh

rounds=20 profile=default kill_mode=agent
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --kill) kill_mode=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument '$1' (--rounds N --profile default|tuned --kill agent|link)" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ && $rounds -le 200 ]] || { echo "bench: --rounds must be 1..200" >&2; exit 2; }
[[ $profile == default || $profile == tuned ]] || { echo "bench: --profile default|tuned" >&2; exit 2; }
[[ $kill_mode == agent || $kill_mode == link ]] || { echo "bench: --kill agent|link" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root (network namespaces)" >&2; exit 2; }
scripts/deps.sh bench
[[ -x out/hawitness && -x out/hawitness-agent ]] || scripts/publish.sh >/dev/null
root=$PWD

work=$(mktemp -d /tmp/hawitness-bench.XXXXXX)
chmod 755 "$work"
prefix="hwb$$"
namespaces=()
pids=()
tgtd_cp=""
cleanup() {
  set +e
  exec 2>/dev/null   # no "Killed" notices from the shell
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for ns in "${namespaces[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  done
  wait 2>/dev/null
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [[ -n $tgtd_cp ]] && tgtd_forget "$tgtd_cp"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
die() { echo "bench: $*" >&2; exit 1; }

# --- network -----------------------------------------------------------------------------------
net="10.213.$(( 1 + RANDOM % 250 ))"
ns_of() { echo "$prefix-$1"; }
add_ns() { # NAME HOSTNUMBER: a namespace with eth0 on the bridge at $net.HOSTNUMBER
  local ns; ns=$(ns_of "$1")
  namespaces+=("$ns")
  netlab_add_ns "$ns" "$(ns_of sw)" "p-$1" "$net.$2/24"
}
del_ns() { netlab_del_ns "$(ns_of "$1")" "$(ns_of sw)" "p-$1"; }
namespaces+=("$(ns_of sw)")
netlab_switch "$(ns_of sw)"
add_ns w 1
W=$(ns_of w)
wip="$net.1"

# --- tgtd in the witness namespace ---------------------------------------------------------------
target_iqn="iqn.2026-12.lab.hawitness:bench"
tgtd_cp=$(tgtd_free_control) || die "no free tgtd control number"
ip netns exec "$W" tgtd -f -C "$tgtd_cp" --iscsi "portal=$wip:3260" >"$work/tgtd.log" 2>&1 &
pids+=($!)
adm() { tgtadm -C "$tgtd_cp" --lld iscsi "$@"; }
tgtd_wait "$tgtd_cp" || die "tgtd did not come up: $(cat "$work/tgtd.log")"
truncate -s 64M "$work/lun1.img"
adm --op new --mode target --tid 1 --targetname "$target_iqn"
adm --op new --mode logicalunit --tid 1 --lun 1 --backing-store "$work/lun1.img" --bstype rdwr
mkdir -p "$work/tgt-conf.d"

# ACL entries and live sessions (I_T nexus) of one initiator at tid 1.
acl_has() { tgt_acls "$tgtd_cp" 1 | grep -qxF "$1"; }
session_has() { tgt_sessions "$tgtd_cp" 1 | grep -qxF "$1"; }

# --- sshd in the witness namespace: key only, a uid-0 login whose shell is /bin/sh ---------------
sshd_prepare "$work" hawitness-bench
sshd_exec "$W" "$work" >"$work/sshd.log" 2>&1 &
pids+=($!)

# --- the appliance -----------------------------------------------------------------------------
appliance_target_config "$work/appliance.json" "hawitness-bench@127.0.0.1:22" "$work/id_ed25519" "$work/known_hosts" \
  "$tgtd_cp" "$work/tgt-conf.d"
# Every round leaves 4 more VMs (1 CPU each) on the survivor (16 CPUs): room for all of them.
appliance_env=(HAWITNESS_Failover__CpuOvercommit=16)
agent_env=()
if [[ $profile == tuned ]]; then
  appliance_env+=(HAWITNESS_Lease__HeartbeatMs=250 HAWITNESS_Lease__HeartbeatTimeoutMs=125 HAWITNESS_Lease__LeaseMs=1250
    HAWITNESS_Lease__ProbeIntervalMs=250 HAWITNESS_Lease__ProbeTimeoutMs=150 HAWITNESS_Lease__MarginMs=100
    HAWITNESS_Lease__SuspectAfterMs=600)
  agent_env+=(HAWITNESS_AGENT_PowerOffBoundMs=500)
fi
status_url="http://127.0.0.1:8080/api/v1/status"
agents_url="https://$wip:8443"
ip netns exec "$W" env "${appliance_env[@]}" "$root/out/hawitness" serve --data "$work/w" \
  --urls "http://127.0.0.1:8080;$agents_url" --raft "$wip:7400" --config "$work/appliance.json" >"$work/w.log" 2>&1 &
pids+=($!)
status() { ip netns exec "$W" curl -s --max-time 2 "$status_url" || true; }
for _ in $(seq 1 600); do [[ -n $(status) ]] && break; sleep 0.05; done
[[ -n $(status) ]] || die "appliance did not answer: $(tail -20 "$work/w.log")"
out/hawitness join-token --data "$work/w" --url "$agents_url" --join-string >"$work/join"

start_agent() { # NAME HOSTNUMBER -> PID in agent_pid
  local ns; ns=$(ns_of "$1")
  ip netns exec "$ns" env "${agent_env[@]}" "$root/out/hawitness-agent" --join-file "$work/join" --name "$1" \
    --hypervisor sim --sim-vms 4 --watchdog none --initiator "iqn.2026-12.lab.bench:$1" --data "$work/$1" \
    --raft "$net.$2:7420" --probe "$net.$2:7421" >"$work/$1.log" 2>&1 &
  agent_pid=$!; pids+=("$agent_pid")
}

# Both hosts online voters with their VMs running; every other (earlier) host out of the voter set.
ready() {
  status | jq -e --arg s survivor --arg v "$1" '
    ([.hosts[] | select(.name == $s or .name == $v) | select(.state == "online" and .voter == true)] | length) == 2
    and ([.hosts[] | select(.name != $s and .name != $v and .voter == true)] | length) == 0
    and ([.vms[] | select((.name | startswith($v + "-vm")) and .host == $v and .state == "running")] | length) == 4
    and ([.vms[] | select(.state != "running")] | length) == 0' >/dev/null 2>&1
}
wait_until() { # SECONDS COMMAND...
  local deadline=$(( $(now_us) + $1 * 1000000 )); shift
  until "$@"; do
    (( $(now_us) < deadline )) || return 1
    sleep 0.1
  done
}

# The journal (its time_ms is this machine's wall clock, as EPOCHREALTIME).
journal() { sqlite3 -cmd ".timeout 3000" "$(find "$work/w" -name '*.db' -print -quit)" "$1"; }
journal_rows() { # NAME SINCE_MS: the victim's and its VMs' decisions since the kill, oldest first:
  # kind|outcome|subject|time_ms|reportedAt_ms (StartVm: when the report that showed it running arrived)
  journal "SELECT kind, outcome, subject, time_ms,
      coalesce(CAST(round((julianday(json_extract(evidence, '\$.reportedAt')) - 2440587.5) * 86400000) AS INTEGER), '')
    FROM decisions WHERE time_ms >= $2 AND (subject = 'host:$1' OR subject LIKE 'vm:$1-vm%') ORDER BY id"
}
starts_journaled() { # NAME SINCE_MS: all 4 of its VMs' starts confirmed since the kill
  [[ $(journal "SELECT count(DISTINCT subject) FROM decisions WHERE time_ms >= $2 AND kind = 'StartVm' AND outcome = 'Succeeded' AND subject LIKE 'vm:$1-vm%'") -ge 4 ]]
}

add_ns survivor 10
start_agent survivor 10

# --- rounds ------------------------------------------------------------------------------------
declare -a r_failed r_fenced r_placed r_running p_detect p_fence p_wait p_place p_start p_confirm p_total
safety_bad=0 after_bad=0 selffenced=0
printf 'bench: profile %s, --kill %s, %d rounds, storage fence on (tgtd over SSH), 4 sim VMs per victim\n' "$profile" "$kill_mode" "$rounds"
for i in $(seq 1 "$rounds"); do
  v=$(printf 'v%02d' "$i"); vns=$(ns_of "$v"); viqn="iqn.2026-12.lab.bench:$v"
  add_ns "$v" $(( 20 + i ))
  start_agent "$v" $(( 20 + i )); vpid=$agent_pid
  wait_until 180 ready "$v" || die "round $i: never ready; status: $(status | head -c 1500)"
  wait_until 30 acl_has "$viqn" || die "round $i: $viqn never granted at the target"
  sleep 1
  sleep "0.$(printf '%03d' $(( RANDOM % 1000 )))"
  t0=$(now_us)
  if [[ $kill_mode == agent ]]; then kill -9 "$vpid"; wait "$vpid" 2>/dev/null || true; else ip -n "$vns" link set eth0 down; fi

  f="" fe="" pl="" ru="" deadline=$(( t0 + 180000000 ))
  while [[ -z $ru ]]; do
    (( $(now_us) < deadline )) || die "round $i: VMs of $v never ran elsewhere; status: $(status | head -c 1500)"
    read -r sf sfe spl sru < <(status | jq -r --arg v "$v" '
      ([.hosts[] | select(.name == $v)][0]) as $h
      | [.vms[] | select(.name | startswith($v + "-vm"))] as $m
      | [ (($h.state == "failed" or $h.state == "fenced") | tostring), ($h.fenced | tostring),
          (([$m[] | select(.host != null and .host != $v)] | length) == 4 | tostring),
          (([$m[] | select(.host != null and .host != $v and .state == "running")] | length) == 4 | tostring) ] | join(" ")' 2>/dev/null \
      || echo "false false false false")
    t=$(now_us)
    [[ -z $f && $sf == true ]] && f=$t
    [[ -z $fe && $sfe == true ]] && fe=$t
    if [[ -z $pl && $spl == true ]]; then
      pl=$t
      # Outside check: placed elsewhere => the victim is cut off the disk already.
      if acl_has "$viqn" || session_has "$viqn"; then
        safety_bad=$(( safety_bad + 1 )); echo "bench: round $i: UNSAFE: $v's VMs placed while it still has an ACL or session at the target" >&2
      fi
    fi
    [[ -z $ru && $sru == true ]] && ru=$t
    [[ -n $ru ]] || sleep 0.01
  done
  [[ -n $f ]] || f=$ru; [[ -n $fe ]] || fe=$ru; [[ -n $pl ]] || pl=$ru
  r_failed+=($(( (f - t0) / 1000 ))); r_fenced+=($(( (fe - t0) / 1000 )))
  r_placed+=($(( (pl - t0) / 1000 ))); r_running+=($(( (ru - t0) / 1000 )))

  # The journal's view of the same failover (its time_ms is the same machine's wall clock).
  t0ms=$(( t0 / 1000 ))
  wait_until 15 starts_journaled "$v" "$t0ms" || echo "bench: round $i: the journal has fewer than 4 confirmed starts for $v" >&2
  read -r hf fs p1 pn rp sn < <(journal_rows "$v" "$t0ms" | awk -F'|' '
    $1 == "HostFailed" && $2 == "Succeeded" && hf == "" { hf = $4 }
    $1 == "FenceHost" && $2 == "Succeeded" && fs == "" { fs = $4 }
    $1 == "PlaceVm" && $2 == "Succeeded" && !($3 in placed) { placed[$3] = $4; if (p1 == "") p1 = $4; pn = $4 }
    $1 == "StartVm" && $2 == "Succeeded" && !($3 in started) { started[$3] = $4; if ($4 > sn) sn = $4; if ($5 > rp) rp = $5 }
    END { print (hf ? hf : "-"), (fs ? fs : "-"), (p1 ? p1 : "-"), (pn ? pn : "-"), (rp ? rp : "-"), (sn ? sn : "-") }')
  if [[ $hf == - || $fs == - || $p1 == - || $rp == - || $sn == - ]]; then
    echo "bench: round $i: journal incomplete (HostFailed $hf, FenceHost $fs, PlaceVm $p1, report $rp, StartVm $sn)" >&2
  else
    p_detect+=($(( hf - t0ms ))); p_fence+=($(( fs - hf ))); p_wait+=($(( p1 - fs )))
    p_place+=($(( pn - p1 ))); p_start+=($(( rp - pn ))); p_confirm+=($(( sn - rp ))); p_total+=($(( sn - t0ms )))
  fi

  # After the round: the victim is fenced at the target (no ACL, no session).
  if acl_has "$viqn" || session_has "$viqn"; then
    after_bad=$(( after_bad + 1 )); echo "bench: round $i: $v NOT fenced at the target after the round" >&2
  fi
  if [[ $kill_mode == link ]]; then
    wait_until 10 grep -q 'SELF-FENCED' "$work/$v.log" && selffenced=$(( selffenced + 1 ))
    grep -o 'SELF-FENCED.*' "$work/$v.log" | head -1 | sed "s/^/bench: round $i: $v: /" >&2 || true
  fi
  printf 'round %2d  %s  failed %5d  fenced %5d  placed %5d  running %5d ms\n' "$i" "$v" \
    "${r_failed[-1]}" "${r_fenced[-1]}" "${r_placed[-1]}" "${r_running[-1]}"
  kill -9 "$vpid" 2>/dev/null || true
  wait "$vpid" 2>/dev/null || true
  del_ns "$v"
done

# --- report ------------------------------------------------------------------------------------
stats() { # LABEL VALUES...: median, p95 (nearest rank), min, max
  local label=$1; shift
  if [[ $# -eq 0 ]]; then printf '  %-32s (no data)\n' "$label"; return; fi
  printf '%s\n' "$@" | sort -n | awk -v l="$label" '{a[NR] = $1}
    END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
          k = int(0.95 * NR); if (k < 0.95 * NR) k++; if (k < 1) k = 1
          printf "  %-32s median %6d  p95 %6d  min %6d  max %6d ms\n", l, m, a[k], a[1], a[NR] }'
}
echo
echo "profile $profile, --kill $kill_mode, $rounds rounds (n=${#r_running[@]}), storage fence on:"
echo "from outside (status API, from the kill):"
stats "kill -> host failed" "${r_failed[@]}"
stats "kill -> fenced" "${r_fenced[@]}"
stats "kill -> all VMs placed elsewhere" "${r_placed[@]}"
stats "kill -> all VMs running (TOTAL)" "${r_running[@]}"
echo "phases (journal, n=${#p_detect[@]}):"
stats "detect  kill -> HostFailed" "${p_detect[@]}"
stats "fence   -> FenceHost ok" "${p_fence[@]}"
stats "wait    -> first PlaceVm" "${p_wait[@]}"
stats "place   -> last PlaceVm" "${p_place[@]}"
stats "start   -> last running report" "${p_start[@]}"
stats "confirm -> last StartVm ok" "${p_confirm[@]}"
stats "kill -> last StartVm ok (TOTAL)" "${p_total[@]}"
echo "safety (tgtadm, outside): unfenced-when-placed $safety_bad, unfenced-after-round $after_bad"
[[ $kill_mode == link ]] && echo "victims that logged SELF-FENCED: $selffenced of $rounds"
[[ $safety_bad -eq 0 && $after_bad -eq 0 ]]
