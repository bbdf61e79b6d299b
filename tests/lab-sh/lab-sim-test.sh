#!/usr/bin/env bash
# End-to-end test of scripts/lab.sh in --sim mode, bounded to 120 s:
#   up --sim --hosts 2; status shows both hosts online with their VMs running and bound at tgtd;
#   kill-host host-a; status shows host-a's VMs running on host-b and host-a's ACL gone at tgtd;
#   down; nothing of the lab is left (namespaces, processes, netns mounts, tgtd socket, folder).
# Needs root and the published binaries (out/, scripts/publish.sh). Runs in its own lab folder
# (HAWITNESS_LAB_DIR under /tmp), so a lab of yours in .lab is left alone.
#   tests/lab-sh/lab-sim-test.sh        exit 0 = pass; prints each step with its time
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $(id -u) -eq 0 ]] || { echo "lab-sim-test: SKIP (needs root)"; exit 0; }
[[ -x out/hawitness && -x out/hawitness-agent ]] || { echo "lab-sim-test: FAIL: publish first (scripts/publish.sh)" >&2; exit 1; }

parent=$(mktemp -d /tmp/hawitness-labtest.XXXXXX)
export HAWITNESS_LAB_DIR=$parent/lab
t0=$EPOCHREALTIME
limit=120
elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
left_s() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v l="$limit" 'BEGIN { r = int(l - (b - a)); print (r < 1) ? 1 : r }'; }
step() { echo "lab-sim-test: [$(elapsed) s] $*"; }
fail() {
  echo "lab-sim-test: FAIL at $(elapsed) s: $*" >&2
  scripts/lab.sh status >&2 2>&1 || true
  for f in "$HAWITNESS_LAB_DIR"/logs/*.log; do [[ -f $f ]] && { echo "--- $f (tail)"; tail -15 "$f"; } >&2; done
  exit 1
}
cleanup() { set +e; [[ -f $HAWITNESS_LAB_DIR/lab.env ]] && scripts/lab.sh down >/dev/null 2>&1; rm -rf -- "$parent"; }
trap cleanup EXIT

# STATUS-LINE HOST: that host's row of `lab.sh status` (HOST LINK AGENT STATE VOTER FENCED TGT-ACL VMS...).
row() { scripts/lab.sh status 2>/dev/null | awk -v h="$1" '$1 == h'; }
wait_for() { # DESCRIPTION COMMAND...
  local what=$1; shift
  until "$@"; do
    (( $(left_s) > 1 )) || fail "timed out waiting for: $what"
    sleep 0.5
  done
  step "$what"
}
online_bound() { # HOST: online, agent running, ACL bound, 3 VMs running on it
  row "$1" | awk -v h="$1" '$3 == "running" && $4 == "online" && $7 ~ /^bound/ {
    n = 0; for (i = 8; i <= NF; i++) if ($i ~ /\(running\)$/) n++; ok = (n >= 3) } END { exit !ok }'
}
failed_over() { # host-a: no ACL, no session; host-b runs host-a-vm1..3
  row host-a | awk '$3 == "killed" && $7 == "none" { ok = 1 } END { exit !ok }' &&
  [[ $(row host-b | tr ' ' '\n' | grep -cE '^host-a-vm[0-9]+\(running\)$') -eq 3 ]]
}

step "up --sim --hosts 2"
timeout "$(left_s)" scripts/lab.sh up --sim --hosts 2 >"$parent/up.out" 2>&1 || { cat "$parent/up.out" >&2; fail "up failed"; }
prefix=$(sed -n 's/^prefix=//p' "$HAWITNESS_LAB_DIR/lab.env")
cp_no=$(sed -n 's/^tgtd_cp=//p' "$HAWITNESS_LAB_DIR/lab.env")
port=$(sed -n 's/^port=//p' "$HAWITNESS_LAB_DIR/lab.env")
wait_for "host-a online, bound at tgtd, its 3 VMs running" online_bound host-a
wait_for "host-b online, bound at tgtd, its 3 VMs running" online_bound host-b
[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$port/") =~ ^(200|302)$ ]] \
  || fail "the page http://127.0.0.1:$port/ does not answer from the root namespace"
step "page answers on http://127.0.0.1:$port/"

tk=$EPOCHREALTIME
scripts/lab.sh kill-host host-a >/dev/null || fail "kill-host failed"
step "kill-host host-a"
wait_for "host-a's VMs running on host-b, host-a's ACL gone at tgtd" failed_over
awk -v a="$tk" -v b="$EPOCHREALTIME" 'BEGIN { printf "lab-sim-test: kill -> failed over (as seen by polling status): %.1f s\n", b - a }'

timeout "$(left_s)" scripts/lab.sh down >"$parent/down.out" 2>&1 || { cat "$parent/down.out" >&2; fail "down failed"; }
step "down"
# Nothing left, checked independently of down's own checks.
[[ -z $(ip netns list | awk '{print $1}' | grep -E "^$prefix-" || true) ]] || fail "namespaces left: $(ip netns list | grep "$prefix")"
! grep -qE "/run/netns/$prefix-|$HAWITNESS_LAB_DIR" /proc/self/mountinfo || fail "mounts left"
for p in /proc/[0-9]*; do
  tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$HAWITNESS_LAB_DIR/" && fail "process left: ${p#/proc/} $(tr '\0' ' ' <"$p/cmdline")"
done
[[ ! -e /var/run/tgtd/socket.$cp_no ]] || fail "tgtd socket left"
[[ ! -e $HAWITNESS_LAB_DIR ]] || fail "lab folder left"
! ss -Hltn "sport = :$port" | grep -q . || fail "the page's port $port still listens"
step "nothing left (namespaces, mounts, processes, tgtd socket, folder, port)"
echo "lab-sim-test: PASS in $(elapsed) s"
