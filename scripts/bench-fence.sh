#!/usr/bin/env bash
# Fence latency, decision -> verified, over SSH to a local tgtd (what the appliance does on the
# storage box itself). Starts its own tgtd and sshd on free loopback ports, a target with a file
# LUN, and a qemu-io initiator that keeps writing (so most fences drop a live session); then runs
# `hawitness target bench-fence` (one SSH connection, as the appliance keeps it): N rounds of
# unfence -> wait for the host to log in again -> fence, and prints median and p95; then the same
# with --cold-plan (no earlier listing to plan the fence from: one more SSH invocation). Also times
# a few one-shot `hawitness target fence` runs (new process, new SSH handshake, cold plan).
#
# Every remote command starts the login's shell (sshd runs `SHELL -c CMD`), so the figures are
# taken for each login asked for:
#   root   this machine's root, whose ~/.bashrc (bash reads it for SSH commands) runs `pyenv init`
#   clean  a uid-0 login whose shell is /bin/sh (dash) and whose home is empty: what the docs
#          recommend for the target login. It exists only for this sshd: sshd runs in a private
#          mount namespace where a copy of /etc/passwd with that one extra line is bind-mounted.
#
#   scripts/bench-fence.sh [COUNT] [root|clean|both]   (default 20 both; uses $BENCH_BIN (a binary), else
#                                     out/hawitness when it is newer than the sources, else a
#                                     Release build run with dotnet)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/free-port.sh
scripts/deps.sh test
count=${1:-20}
case ${2:-both} in
  root) logins=(root) ;;
  clean) logins=(clean) ;;
  both) logins=(root clean) ;;
  *) echo "usage: scripts/bench-fence.sh [COUNT] [root|clean|both]" >&2; exit 2 ;;
esac

if [[ -n ${BENCH_BIN:-} ]]; then
  hw=("$BENCH_BIN")
elif [[ -x out/hawitness ]] && [[ -z $(find src Directory.Build.props Directory.Packages.props -newer out/hawitness -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit) ]]; then
  hw=(out/hawitness)
else
  dotnet build src/HaWitness.Appliance -c Release --nologo -v q >/dev/null
  hw=(dotnet src/HaWitness.Appliance/bin/Release/net10.0/hawitness.dll)
fi

tmp=$(mktemp -d /tmp/hawitness-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# tgtd: a free control number (tgtd takes 0..32767) and a free iSCSI port.
for _ in $(seq 1 10); do
  ctl=$(( 1000 + RANDOM % 31000 ))
  tgtadm -C "$ctl" --op show --mode sys >/dev/null 2>&1 && continue
  iport=$(free_port)
  tgtd -f -C "$ctl" --iscsi "portal=127.0.0.1:$iport" >"$tmp/tgtd.log" 2>&1 &
  tpid=$!
  for _ in $(seq 1 100); do tgtadm -C "$ctl" --op show --mode sys >/dev/null 2>&1 && break; sleep 0.02; done
  if kill -0 "$tpid" 2>/dev/null && tgtadm -C "$ctl" --op show --mode sys >/dev/null 2>&1; then pids+=("$tpid"); break; fi
  kill -9 "$tpid" 2>/dev/null || true
done
[[ ${#pids[@]} -eq 1 ]] || { echo "bench: tgtd did not start" >&2; exit 1; }

# sshd: key authentication only, on a free port, in a private mount namespace whose /etc/passwd
# also has the clean login (uid 0, /bin/sh, an empty home); root keeps its own shell and home.
[[ $(id -u) -eq 0 ]] || { echo "bench: run as root (tgtadm needs it)" >&2; exit 1; }
clean_user=hawitness-bench
mkdir -p /run/sshd "$tmp/conf.d" "$tmp/home"
cp /etc/passwd "$tmp/passwd"
echo "$clean_user:x:0:0:HaWitness bench clean login:$tmp/home:/bin/sh" >>"$tmp/passwd"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/id_ed25519"
cp "$tmp/id_ed25519.pub" "$tmp/authorized_keys"
sport=$(free_port)
cat >"$tmp/sshd_config" <<CFG
Port $sport
ListenAddress 127.0.0.1
HostKey $tmp/host_key
AuthorizedKeysFile $tmp/authorized_keys
PidFile $tmp/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
CFG
unshare --mount --propagation private -- sh -c 'mount --bind "$1" /etc/passwd && exec /usr/sbin/sshd -D -e -f "$2"' \
  bench-sshd "$tmp/passwd" "$tmp/sshd_config" 2>"$tmp/sshd.log" &
pids+=($!)
for _ in $(seq 1 100); do ss -Hltn "sport = :$sport" | grep -q . && break; sleep 0.02; done

target=iqn.2026-01.bench.hawitness:vm
ini=iqn.2026-01.bench:hosta
truncate -s 64M "$tmp/lun.img"
adm() { tgtadm -C "$ctl" --lld iscsi "$@"; }
adm --op new --mode target --tid 1 --targetname "$target"
adm --op new --mode logicalunit --tid 1 --lun 1 --backing-store "$tmp/lun.img" --bstype rdwr
adm --op bind --mode target --tid 1 --initiator-name "$ini"

# The host: a long-lived qemu-io session that writes every 200 ms (libiscsi logs in again by
# itself once the initiator is granted again).
mkfifo "$tmp/qio.in"
exec 3<>"$tmp/qio.in"
qemu-io --image-opts "driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:$iport,file.target=$target,file.lun=1,file.initiator-name=$ini" <&3 >"$tmp/qio.out" 2>&1 &
pids+=($!)
( while :; do echo 'write -P 0x55 0 4k' >&3; sleep 0.2; done ) &
pids+=($!)

t0=$(date +%s%N); adm --op show --mode target >/dev/null; tgtadm_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "this machine: local tgtadm show: $tgtadm_ms ms; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
export HAWITNESS_Target__TgtControlPort=$ctl HAWITNESS_Target__TgtConfDirectory=$tmp/conf.d

for login in "${logins[@]}"; do
  if [[ $login == root ]]; then user=root home=$HOME shell=$(getent passwd root | cut -d: -f7); else user=$clean_user home=$tmp/home shell=/bin/sh; fi
  # What every remote command pays before it runs: sshd starts the login shell as `SHELL -c CMD`
  # with SSH_CLIENT set, and bash then reads ~/.bashrc even though it is not interactive.
  shell_times=()
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N)
    env -i HOME="$home" PATH=/usr/bin:/bin SSH_CLIENT="127.0.0.1 1 22" SHLVL=0 "$shell" -c true
    shell_times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  echo
  echo "== login $user (shell $shell, home $home): shell start-up as sshd starts it: $(printf '%s\n' "${shell_times[@]}" | sort -n | sed -n 3p) ms median of 5 [${shell_times[*]}]"

  common=(--driver tgt --ssh "$user@127.0.0.1:$sport" --ssh-key "$tmp/id_ed25519" --known-hosts "$tmp/known_hosts" --data "$tmp/data-$login" --initiator "$ini")
  "${hw[@]}" target bench-fence "${common[@]}" --count "$count"
  echo "-- the same with no listing to plan from (a new driver per fence, same SSH connection):"
  "${hw[@]}" target bench-fence "${common[@]}" --count "$count" --cold-plan >"$tmp/cold.out" 2>&1 \
    && tail -n 2 "$tmp/cold.out" || echo "   (not run: this binary has no --cold-plan)"

  # One-shot CLI fences: a new process and a new SSH handshake each time.
  times=()
  for _ in 1 2 3 4 5; do
    "${hw[@]}" target unfence "${common[@]}" >/dev/null
    for _ in $(seq 1 100); do adm --op show --mode conn --tid 1 | grep -q "$ini" && break; sleep 0.05; done
    t0=$(date +%s%N)
    "${hw[@]}" target fence "${common[@]}" >"$tmp/fence.out"
    times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  echo "one-shot 'hawitness target fence' (process start + SSH handshake + fence): median $median ms of 5 [${times[*]}]"
  echo "last one-shot output:"; sed 's/^/  /' "$tmp/fence.out"
done
