#!/usr/bin/env bash
# Idle RSS of the published agent with the libvirt driver, against a private libvirtd started
# without systemd (own config and socket folder, qemu driver), and for comparison with the sim
# driver (2 VMs). Each agent joins its own fresh appliance on loopback; once the appliance shows
# the host online with its capacity, it idles IDLE seconds (default 10) and its VmRSS is read.
#   scripts/bench-agent-rss.sh [IDLE]
# Needs root (libvirtd in a private mount namespace, as tests/HaWitness.Hypervisors.Tests'
# LibvirtHarness starts it: our own /etc/libvirt, whose qemu.conf needs no virtlogd, and an
# unusable /dev/kvm hidden so libvirt does not re-probe QEMU on every call).
set -euo pipefail
cd "$(dirname "$0")/.."
idle=${1:-10}
[[ -x out/hawitness && -x out/hawitness-agent ]] || scripts/publish.sh >/dev/null
work=$(mktemp -d /tmp/hawitness-rss.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || shuf -i 20000-60000 -n 1; }
stop() { # PID...: SIGTERM, reap, and forget them (so the trap never signals a reused PID)
  kill "$@" 2>/dev/null || true; wait "$@" 2>/dev/null || true
  local p q keep=(); for p in "${pids[@]}"; do for q in "$@"; do [[ $p == "$q" ]] && continue 2; done; keep+=("$p"); done
  pids=("${keep[@]}")
}
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$2/status"; }

# --- a private libvirtd (the recipe's libvirtd.conf; PID held is libvirtd's: unshare and bash exec into it)
getent passwd libvirt-qemu >/dev/null || useradd --system --user-group libvirt-qemu
mkdir -p "$work/sock" "$work/etc-libvirt"
cat >"$work/libvirtd.conf" <<EOF
unix_sock_dir = "$work/sock"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:$work/libvirtd.log"
EOF
find /etc/libvirt -maxdepth 1 -type f -exec cp {} "$work/etc-libvirt/" \;
printf 'namespaces = [ ]\nstdio_handler = "file"\n' >"$work/etc-libvirt/qemu.conf"
: >"$work/no-kvm"; chmod 600 "$work/no-kvm"
unshare --mount --propagation private -- bash -c \
  'mount --bind "$1" /etc/libvirt && { [ ! -e /dev/kvm ] || mount --bind "$2" /dev/kvm; } && exec "${@:3}"' \
  libvirtd-ns "$work/etc-libvirt" "$work/no-kvm" libvirtd -f "$work/libvirtd.conf" -p "$work/libvirtd.pid" \
  >"$work/libvirtd.out" 2>&1 &
pids+=($!); lvpid=$!
uri="qemu:///system?socket=$work/sock/libvirt-sock"
for i in $(seq 1 600); do
  [[ -S "$work/sock/libvirt-sock" ]] && virsh -c "$uri" version >/dev/null 2>&1 && break
  kill -0 "$lvpid" 2>/dev/null || { echo "bench: libvirtd exited:" >&2; cat "$work/libvirtd.out" >&2; exit 1; }
  [[ $i -lt 600 ]] || { echo "bench: libvirtd did not answer within 60 s" >&2; exit 1; }
  sleep 0.1
done

# measure NAME HYPERVISOR [AGENT ARGS...]: fresh appliance, one agent, RSS after $idle s online
measure() {
  local name=$1 kind=$2; shift 2
  local d="$work/$name" http raft url apid agent status
  http=$(free_port); raft=$(free_port); url="http://127.0.0.1:$http"
  mkdir -p "$d"
  out/hawitness serve --data "$d/w" --urls "$url" --raft "127.0.0.1:$raft" >"$d/w.log" 2>&1 &
  pids+=($!); apid=$!
  for _ in $(seq 1 200); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.05; done
  HAWITNESS_AGENT_LibvirtUri="$uri" out/hawitness-agent --witness "$url" --join-token "$(out/hawitness join-token --data "$d/w")" \
    --name "$name" --hypervisor "$kind" --data "$d/a" --raft "127.0.0.1:$(free_port)" --probe "127.0.0.1:$(free_port)" "$@" \
    >"$d/a.log" 2>&1 &
  pids+=($!); agent=$!
  for i in $(seq 1 1500); do
    status=$(curl -s "$url/api/v1/status" || true)
    grep -q "\"name\":\"$name\",\"state\":\"online\"" <<<"$status" && break
    kill -0 "$agent" 2>/dev/null || { echo "bench: agent $name exited:" >&2; tail -n 20 "$d/a.log" >&2; exit 1; }
    [[ $i -lt 1500 ]] || { echo "bench: $name never online: $status" >&2; tail -n 20 "$d/a.log" >&2; exit 1; }
    sleep 0.02
  done
  sleep "$idle"
  local rss hwm
  rss=$(kib VmRSS "$agent"); hwm=$(kib VmHWM "$agent")
  status=$(curl -s "$url/api/v1/status")
  echo "  agent $name (--hypervisor $kind${*:+ $*}, ${idle} s after online): VmRSS $rss kB ($(( (rss + 512) / 1024 )) MiB), VmHWM $hwm kB (RssAnon $(kib RssAnon "$agent") kB, RssFile $(kib RssFile "$agent") kB), appliance VmRSS $(kib VmRSS "$apid") kB"
  echo "    host in /api/v1/status: $(grep -o "{\"name\":\"$name\",[^{}]*" <<<"$status" | head -c 400)"
  stop "$agent" "$apid"
}

echo "bench-agent-rss ($(nproc) cores, $(date -u +%F), $(libvirtd --version), published binaries in out/):"
echo "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
measure h1 libvirt
# The same with one defined (shut off) domain on the host.
cat >"$work/idle.xml" <<'EOF'
<domain type='qemu'>
  <name>hawitness-rss-idle</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices>
</domain>
EOF
if virsh -c "$uri" define "$work/idle.xml" >/dev/null 2>"$work/define.err"; then
  measure h2 libvirt
  virsh -c "$uri" undefine hawitness-rss-idle >/dev/null 2>&1 || true
else
  echo "  (one defined domain: skipped, virsh define failed: $(head -c 200 "$work/define.err"))"
fi
measure h3 sim --sim-vms 2
echo "  load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
