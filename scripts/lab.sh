#!/usr/bin/env bash
# A lab you can poke at: the appliance and N hosts in network namespaces on one machine.
#
#   scripts/lab.sh up [--hosts N] [--sim]   start it (N = 1..8 hosts, default 2)
#   scripts/lab.sh status                    hosts, VMs per host, fence state at tgtd, the page's URL
#   scripts/lab.sh kill-host H               SIGKILL H's agent (its sim VMs die with it)
#   scripts/lab.sh partition H               take H's link down
#   scripts/lab.sh heal H                    bring H's link up; restart its agent if it was killed
#   scripts/lab.sh restart-witness           restart the appliance process
#   scripts/lab.sh down                      stop everything; verify nothing is left
#
# Hosts are named host-a, host-b, ... host-h. State (PIDs, logs, config, data, LUN files) lives in
# the lab folder: $HAWITNESS_LAB_DIR, default .lab in the repository; one lab per folder.
#
# Layout (docs/lab.md has the details):
#   <prefix>-sw       a switch namespace holding bridge br0 (subnet 10.214.0.0/24, only in there)
#   <prefix>-w        the witness, 10.214.0.1: a real tgtd (target iqn.2026-12.lab.hawitness:vmstore,
#                     one file LUN per guest), a real sshd (key login, 127.0.0.1:22 of the namespace)
#                     and the published appliance (out/hawitness serve) with the storage fence on:
#                     its Target section drives that tgtd over that sshd
#   <prefix>-host-X   one per host, 10.214.0.(11..18): out/hawitness-agent --hypervisor sim, 3 VMs
#   page              http://127.0.0.1:PORT/ in the root namespace, PORT a free loopback port. The
#                     root namespace never connects to a namespace's private address: a socat in
#                     the root namespace listens on 127.0.0.1:PORT and relays each connection to a
#                     unix socket in the lab folder (the file system is shared by all namespaces);
#                     a second socat, started inside the witness namespace, listens on that unix
#                     socket and relays to the appliance's 127.0.0.1:8080 there (the witness's own
#                     loopback). No routes, no veth into the root namespace, no iptables.
#
# Only --sim is built so far: real guests (libvirtd per host namespace, TCG guests on the LUNs)
# are not yet; `up` without --sim says so and exits 2.
# Needs root, iproute2, tgt, openssh-server, socat, curl, jq (scripts/deps.sh lab) and the published
# binaries in out/ (scripts/publish.sh; `up` runs it when they are missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/lib/netlab.sh
source scripts/lib/free-port.sh

readonly TARGET_IQN="iqn.2026-12.lab.hawitness:vmstore"
readonly INITIATOR_PREFIX="iqn.2026-12.lab.hawitness"
readonly NET="10.214.0"
readonly VMS_PER_HOST=3
readonly ALL_HOSTS=(host-a host-b host-c host-d host-e host-f host-g host-h)

die() { echo "lab: $*" >&2; exit 1; }
usage() {
  echo "usage: scripts/lab.sh up|down|status|kill-host H|partition H|heal H|restart-witness [--hosts N] [--sim]" >&2
  exit 2
}

# --- arguments ---------------------------------------------------------------------------------
[[ $# -ge 1 ]] || usage
cmd=$1; shift
host="" hosts=2 sim=0 hosts_given=0
case "$cmd" in
  up|down|status|restart-witness) ;;
  kill-host|partition|heal)
    [[ $# -ge 1 ]] || { echo "lab: $cmd needs a host name (host-a ... host-h)" >&2; exit 2; }
    host=$1; shift
    [[ $host =~ ^host-[a-h]$ ]] || { echo "lab: bad host name '$host' (host-a ... host-h)" >&2; exit 2; } ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "lab: unknown command '$cmd'" >&2; usage ;;
esac
while [[ $# -gt 0 ]]; do
  case "$1" in
    --hosts) [[ $# -ge 2 ]] || { echo "lab: --hosts needs a number 1..8" >&2; exit 2; }
      hosts=$2; hosts_given=1; shift 2 ;;
    --sim) sim=1; shift ;;
    *) echo "lab: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ $hosts =~ ^[1-8]$ ]] || { echo "lab: --hosts must be 1..8" >&2; exit 2; }
if [[ $cmd != up && ( $hosts_given -eq 1 || $sim -eq 1 ) ]]; then
  echo "lab: --hosts and --sim go with 'up' only" >&2; exit 2
fi
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, tgtd)"

lab=${HAWITNESS_LAB_DIR:-$root/.lab}
# The appliance reads every HAWITNESS_* variable as configuration: this one is not its.
unset HAWITNESS_LAB_DIR
[[ $lab == /* ]] || lab=$PWD/$lab
lab=${lab%/}
[[ -n $lab && $lab != / ]] || die "bad lab folder '$lab'"
# Unix socket paths are limited to 107 bytes.
(( ${#lab} <= 90 )) || die "lab folder path too long (${#lab} > 90 characters): $lab"
state=$lab/lab.env

# --- processes: started detached, recorded as "PID STARTTIME" so a reused PID is never signalled --
starttime() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
# start NAME CMD...: runs CMD in its own session, output to $lab/logs/NAME.log, PID in $lab/pids/NAME.
start() {
  local name=$1; shift
  setsid "$@" </dev/null >>"$lab/logs/$name.log" 2>&1 &
  local pid=$!
  disown "$pid"   # not this shell's job: no "Killed" notice when down runs in the same shell
  echo "$pid $(starttime "$pid" || echo 0)" >"$lab/pids/$name"
}
# pid_of NAME: prints the recorded PID if that process still runs (same start time), else fails.
pid_of() {
  local pid st now
  [[ -f $lab/pids/$1 ]] || return 1
  read -r pid st <"$lab/pids/$1" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  now=$(starttime "$pid") || return 1
  [[ $now == "$st" ]] || return 1
  # A zombie counts as gone.
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  echo "$pid"
}
# stop NAME SIGNAL [GRACE_S]: signals it, waits up to GRACE_S (default 5), then SIGKILL.
stop() {
  local pid i
  pid=$(pid_of "$1") || { rm -f "$lab/pids/$1"; return 0; }
  kill "-$2" "$pid" 2>/dev/null || true
  for i in $(seq 1 $(( ${3:-5} * 20 ))); do pid_of "$1" >/dev/null || break; sleep 0.05; done
  if pid_of "$1" >/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do pid_of "$1" >/dev/null || break; sleep 0.05; done
  fi
  pid_of "$1" >/dev/null && return 1
  rm -f "$lab/pids/$1"
}

load_state() {
  [[ -f $state ]] || die "no lab at $lab (scripts/lab.sh up --sim first)"
  prefix="" tgtd_cp="" port="" lab_hosts="" mode=""
  local k v
  while IFS='=' read -r k v; do
    case "$k" in
      prefix) [[ $v =~ ^hwl[0-9a-f]{5}$ ]] && prefix=$v ;;
      tgtd_cp) [[ $v =~ ^[0-9]+$ ]] && tgtd_cp=$v ;;
      port) [[ $v =~ ^[0-9]+$ ]] && port=$v ;;
      hosts) [[ $v =~ ^[1-8]$ ]] && lab_hosts=$v ;;
      mode) mode=$v ;;
    esac
  done <"$state"
  [[ -n $prefix ]] || die "$state has no valid prefix"
}
ns_w() { echo "$prefix-w"; }
ns_sw() { echo "$prefix-sw"; }
ns_host() { echo "$prefix-$1"; }
host_ip() { local i; for i in "${!ALL_HOSTS[@]}"; do [[ ${ALL_HOSTS[$i]} != "$1" ]] || echo "$NET.$(( 11 + i ))"; done; }
lab_host_names() { printf '%s\n' "${ALL_HOSTS[@]:0:$lab_hosts}"; }
check_host() { lab_host_names | grep -qxF "$1" || die "$1 is not in this lab (hosts: $(lab_host_names | paste -sd' '))"; }
api() { curl -s --max-time 3 "http://127.0.0.1:$port$1"; }

start_appliance() {
  start appliance ip netns exec "$(ns_w)" env HAWITNESS_Failover__CpuOvercommit=16 \
    "$root/out/hawitness" serve --data "$lab/witness" --urls "http://127.0.0.1:8080;https://$NET.1:8443" \
    --raft "$NET.1:7400" --config "$lab/appliance.json"
}
wait_appliance() { # through the page's forwarder, as a user would
  local _
  for _ in $(seq 1 300); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/healthz") == 200 ]] && return 0
    pid_of appliance >/dev/null || return 1
    pid_of page-out >/dev/null || { echo "lab: the page's relay on 127.0.0.1:$port exited: $(tail -3 "$lab/logs/page-out.log")" >&2; return 1; }
    sleep 0.1
  done
  return 1
}
start_agent() {
  start "agent-$1" ip netns exec "$(ns_host "$1")" "$root/out/hawitness-agent" --join-file "$lab/join" --name "$1" \
    --hypervisor sim --sim-vms "$VMS_PER_HOST" --watchdog none --initiator "$INITIATOR_PREFIX:$1" \
    --data "$lab/hosts/$1" --raft "$(host_ip "$1"):7420" --probe "$(host_ip "$1"):7421"
}

# --- down --------------------------------------------------------------------------------------
do_down() {
  if [[ ! -f $state ]]; then
    [[ -e $lab ]] && rm -rf -- "$lab"
    echo "lab: nothing up at $lab"
    return 0
  fi
  load_state
  local name ns left=() p
  # The appliance first, gently (it closes its journal); then everything else by PID. The root
  # namespace's relay forks a child per open connection (a browser's keep-alive): those children
  # are not in any lab namespace, so they go first, by their parent's recorded PID.
  stop appliance TERM 5 || true
  if p=$(pid_of page-out); then
    local children
    children=$(ps -o pid= --ppid "$p" 2>/dev/null || true)   # before the parent goes (then init adopts them)
    kill -9 "$p" 2>/dev/null || true
    for p in $children; do kill -9 "$p" 2>/dev/null || true; done
  fi
  for name in $(ls "$lab/pids" 2>/dev/null); do
    [[ $name =~ ^[a-z0-9-]+$ ]] || continue
    stop "$name" KILL 2 || left+=("process $name")
  done
  # Anything still inside the lab's namespaces is the lab's (a child of one of its daemons).
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$prefix-" || true); do
    [[ $ns == "$(ns_sw)" ]] && continue
    netlab_del_ns "$ns"
  done
  netlab_del_ns "$(ns_sw)"
  [[ -n $tgtd_cp ]] && tgtd_forget "$tgtd_cp"
  rm -f "$lab/page.sock"

  # Verify: no namespace, no process, no mount, no tgtd socket of this lab.
  ip netns list | awk '{print $1}' | grep -qE "^$prefix-" && left+=("namespaces: $(ip netns list | awk '{print $1}' | grep -E "^$prefix-" | paste -sd' ')")
  grep -qE "/run/netns/$prefix-" /proc/self/mountinfo && left+=("netns mounts")
  grep -qF -- " $lab" /proc/self/mountinfo && left+=("mounts under $lab")
  for p in /proc/[0-9]*; do
    # Any process whose command line or working folder points into the lab folder.
    if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$lab/"; then left+=("pid ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" | head -c 120)"); fi
  done
  [[ -n $tgtd_cp && -e /var/run/tgtd/socket.$tgtd_cp ]] && left+=("/var/run/tgtd/socket.$tgtd_cp")
  if [[ ${#left[@]} -gt 0 ]]; then
    printf 'lab: down left behind: %s\n' "${left[@]}" >&2
    echo "lab: the lab folder $lab is kept (logs); run down again" >&2
    return 1
  fi
  rm -rf -- "$lab"
  echo "lab: down; nothing left (namespaces, processes, mounts, $lab)"
}

# --- up ----------------------------------------------------------------------------------------
do_up() {
  if [[ $sim -eq 0 ]]; then
    echo "lab: real guests: not yet (use --sim)" >&2
    exit 2
  fi
  [[ -f $state ]] && die "a lab is already up at $lab (scripts/lab.sh down first)"
  [[ ! -e $lab || -z $(ls -A "$lab" 2>/dev/null) ]] || die "$lab exists and is not empty (not a lab; remove it or set HAWITNESS_LAB_DIR)"
  scripts/deps.sh lab
  [[ -x out/hawitness && -x out/hawitness-agent ]] || scripts/publish.sh >/dev/null
  local t0=$EPOCHREALTIME
  mkdir -p "$lab"/{pids,logs,witness,hosts,luns,ssh,tgt-conf.d}
  # Everything here runs as root; the appliance's log holds its first admin password.
  chmod 700 "$lab" "$lab/ssh"
  prefix="hwl$(printf '%05x' $(( (RANDOM << 5 ^ RANDOM) & 0xfffff )))"
  tgtd_cp=$(tgtd_free_control) || die "no free tgtd control number"
  port=$(free_port)
  lab_hosts=$hosts
  printf 'prefix=%s\ntgtd_cp=%s\nport=%s\nhosts=%s\nmode=sim\n' "$prefix" "$tgtd_cp" "$port" "$hosts" >"$state"
  # From here on a failure tears down what was made.
  # (set -E makes subshells inherit the trap: only the main shell tears down.)
  trap '[[ $BASHPID != "$$" ]] || { echo "lab: up failed; tearing down" >&2; do_down >&2 || true; }' ERR
  set -E

  # Network.
  netlab_switch "$(ns_sw)"
  netlab_add_ns "$(ns_w)" "$(ns_sw)" p-w "$NET.1/24"
  local h
  for h in $(lab_host_names); do netlab_add_ns "$(ns_host "$h")" "$(ns_sw)" "p-$h" "$(host_ip "$h")/24"; done

  # tgtd: one target, one file LUN per guest.
  start tgtd ip netns exec "$(ns_w)" tgtd -f -C "$tgtd_cp" --iscsi "portal=$NET.1:3260"
  tgtd_wait "$tgtd_cp" || { echo "lab: tgtd did not come up: $(cat "$lab/logs/tgtd.log")" >&2; false; }
  tgtadm -C "$tgtd_cp" --lld iscsi --op new --mode target --tid 1 --targetname "$TARGET_IQN"
  local lun=0 i guest
  for h in $(lab_host_names); do
    for i in $(seq 1 "$VMS_PER_HOST"); do
      lun=$(( lun + 1 )); guest=$(printf '%s-vm%02d' "$h" "$i")   # the sim's names (2 digits, VMS_PER_HOST < 100)
      truncate -s 16M "$lab/luns/$guest.img"
      tgtadm -C "$tgtd_cp" --lld iscsi --op new --mode logicalunit --tid 1 --lun "$lun" \
        --backing-store "$lab/luns/$guest.img" --bstype rdwr
    done
  done

  # sshd (the appliance's way to tgtadm) and the appliance with the storage fence on.
  sshd_prepare "$lab/ssh" hawitness-lab
  start sshd bash -c 'source "$1/scripts/lib/netlab.sh"; sshd_exec "$2" "$3"' lab-sshd "$root" "$(ns_w)" "$lab/ssh"
  appliance_target_config "$lab/appliance.json" "hawitness-lab@127.0.0.1:22" "$lab/ssh/id_ed25519" "$lab/ssh/known_hosts" \
    "$tgtd_cp" "$lab/tgt-conf.d"
  start_appliance

  # The page: see the header for why two socats and a unix socket.
  start page-in ip netns exec "$(ns_w)" socat "UNIX-LISTEN:$lab/page.sock,fork,unlink-early,mode=600" TCP:127.0.0.1:8080
  start page-out socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$lab/page.sock"
  wait_appliance || { echo "lab: the appliance did not answer: $(tail -20 "$lab/logs/appliance.log")" >&2; false; }
  "$root/out/hawitness" join-token --data "$lab/witness" --url "https://$NET.1:8443" --join-string >"$lab/join"
  chmod 600 "$lab/join"

  for h in $(lab_host_names); do start_agent "$h"; done

  # Ready: every host online, every guest running (the first join takes a few seconds each).
  local want=$(( hosts * VMS_PER_HOST )) ok=0 _
  for _ in $(seq 1 900); do
    if api /api/v1/status | jq -e --argjson n "$hosts" --argjson v "$want" '
        ([.hosts[] | select(.state == "online")] | length) == $n
        and ([.vms[] | select(.state == "running")] | length) == $v' >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.2
  done
  trap - ERR
  set +E
  if [[ $ok -ne 1 ]]; then
    echo "lab: not every host came online with its VMs within 180 s (the lab stays up; see $lab/logs)" >&2
    do_status; return 1
  fi
  awk -v t0="$t0" -v t1="$EPOCHREALTIME" 'BEGIN { printf "lab: up in %.1f s\n", t1 - t0 }'
  do_status
}

# --- status ------------------------------------------------------------------------------------
do_status() {
  load_state
  local s h link agent acl sess acls sessions
  s=$(api /api/v1/status || true)
  echo "lab: $lab ($mode, $lab_hosts hosts, namespaces $prefix-*)"
  echo "page: http://127.0.0.1:$port/   (admin password: the 'admin password' line of $lab/logs/appliance.log)"
  printf 'witness: appliance %s, tgtd %s, sshd %s, page relay %s\n' \
    "$(pid_of appliance >/dev/null && echo running || echo DOWN)" "$(pid_of tgtd >/dev/null && echo running || echo DOWN)" \
    "$(pid_of sshd >/dev/null && echo running || echo DOWN)" \
    "$( (pid_of page-in && pid_of page-out) >/dev/null && echo running || echo DOWN)"
  [[ -n $s ]] || echo "appliance: no answer on http://127.0.0.1:$port/api/v1/status"
  acls=$(tgt_acls "$tgtd_cp" 1 2>/dev/null || true)
  sessions=$(tgt_sessions "$tgtd_cp" 1 2>/dev/null || true)
  printf '%-8s %-6s %-8s %-10s %-6s %-7s %-8s %s\n' HOST LINK AGENT STATE VOTER FENCED TGT-ACL VMS
  for h in $(lab_host_names); do
    link=$(ip -n "$(ns_host "$h")" -br link show eth0 2>/dev/null | awk '{print ($2 == "DOWN") ? "down" : "up"}')
    agent=$(pid_of "agent-$h" >/dev/null && echo running || echo killed)
    acl=$(grep -qxF "$INITIATOR_PREFIX:$h" <<<"$acls" && echo bound || echo none)
    sess=$(grep -qxF "$INITIATOR_PREFIX:$h" <<<"$sessions" && echo "+session" || echo "")
    if [[ -n $s ]]; then
      jq -r --arg h "$h" --arg link "${link:-?}" --arg agent "$agent" --arg acl "$acl$sess" '
        ([.hosts[] | select(.name == $h)][0]) as $x
        | [.vms[] | select(.host == $h) | "\(.name)(\(.state))"] as $v
        | [$h, $link, $agent, ($x.state // "-"), (if $x == null then "-" else ($x.voter | tostring) end), (if $x == null then "-" else ($x.fenced | tostring) end), $acl,
           (if ($v | length) == 0 then "-" else ($v | join(" ")) end)]
        | "\(.[0]) \(.[1]) \(.[2]) \(.[3]) \(.[4]) \(.[5]) \(.[6]) \(.[7])"' <<<"$s" \
        | awk '{ printf "%-8s %-6s %-8s %-10s %-6s %-7s %-8s", $1, $2, $3, $4, $5, $6, $7; for (i = 8; i <= NF; i++) printf " %s", $i; print "" }'
    else
      printf '%-8s %-6s %-8s %-10s %-6s %-7s %-8s %s\n' "$h" "${link:-?}" "$agent" "?" "?" "?" "$acl$sess" "?"
    fi
  done
  if [[ -n $s ]]; then
    local unplaced
    unplaced=$(jq -r '[.vms[] | select(.host == null) | "\(.name)(\(.state))"] | join(" ")' <<<"$s")
    [[ -z $unplaced ]] || echo "unplaced: $unplaced"
  fi
}

# --- the other commands ------------------------------------------------------------------------
case "$cmd" in
  up) do_up ;;
  down) do_down ;;
  status) do_status ;;
  kill-host)
    load_state; check_host "$host"
    pid=$(pid_of "agent-$host") || die "$host's agent is not running"
    kill -9 "$pid"
    for _ in $(seq 1 100); do pid_of "agent-$host" >/dev/null || break; sleep 0.05; done
    echo "lab: $host's agent (pid $pid) killed; its sim VMs died with it" ;;
  partition)
    load_state; check_host "$host"
    ip -n "$(ns_host "$host")" link set eth0 down
    echo "lab: $host's link is down" ;;
  heal)
    load_state; check_host "$host"
    ip -n "$(ns_host "$host")" link set eth0 up
    if pid_of "agent-$host" >/dev/null; then
      echo "lab: $host's link is up"
    else
      start_agent "$host"
      echo "lab: $host's link is up; its agent restarted (pid $(pid_of "agent-$host" || echo '?'))"
    fi ;;
  restart-witness)
    load_state
    t0=$EPOCHREALTIME
    stop appliance TERM 10 || die "the appliance did not stop"
    start_appliance
    wait_appliance || die "the appliance did not answer after the restart: $(tail -20 "$lab/logs/appliance.log")"
    awk -v t0="$t0" -v t1="$EPOCHREALTIME" 'BEGIN { printf "lab: appliance restarted, answering again after %.1f s\n", t1 - t0 }' ;;
esac
