# Sourced by scripts/bench-failover-lab.sh and scripts/lab.sh: the pieces of a namespace lab they
# share. Functions only (no state of their own); callers record what they start and clean it up.
#
#   Network: a "switch" namespace holding bridge br0; every other namespace gets eth0, one end of a
#   veth pair whose other end (named by the caller) is a port of br0. The subnet exists only inside
#   these namespaces: nothing in the root namespace ever connects to it.
#   tgtd: a free control number (-C), so several instances run side by side.
#   sshd: key-only, on 127.0.0.1:22 of the namespace it runs in, with a uid-0 login whose shell is
#   /bin/sh and whose home is an empty folder; the passwd file that has that login is bind-mounted
#   over /etc/passwd in a private mount namespace of sshd's own (gone when sshd exits).
#   Needs root, iproute2, tgt, openssh-server.

# netlab_switch NS: a namespace with lo up and bridge br0 up.
netlab_switch() {
  ip netns add "$1"
  ip -n "$1" link set lo up
  ip -n "$1" link add br0 type bridge
  ip -n "$1" link set br0 up
}

# netlab_add_ns NS SWITCH PORT ADDR/PREFIX: namespace NS with lo and eth0 (ADDR) up, its peer PORT
# (at most 15 characters) a port of SWITCH's br0.
netlab_add_ns() {
  local ns=$1 sw=$2 port=$3 addr=$4
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add eth0 netns "$ns" type veth peer name "$port" netns "$sw"
  ip -n "$sw" link set "$port" master br0
  ip -n "$sw" link set "$port" up
  ip -n "$ns" addr add "$addr" dev eth0
  ip -n "$ns" link set eth0 up
}

# netlab_del_ns NS SWITCH PORT: SIGKILL every process left in NS (by PID: all of them are the
# lab's), delete NS and the switch port. Quiet and idempotent.
netlab_del_ns() {
  local p
  for p in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$1" 2>/dev/null || true
  [[ -z ${2:-} ]] || ip -n "$2" link del "$3" 2>/dev/null || true
}

# tgtd_free_control: prints a tgtd control number no tgtd answers on and no socket file uses.
tgtd_free_control() {
  local c _
  for _ in $(seq 1 50); do
    c=$(( 1000 + RANDOM % 31000 ))
    tgtadm -C "$c" --op show --mode sys >/dev/null 2>&1 && continue   # someone else's tgtd answers
    [[ -e /var/run/tgtd/socket.$c ]] && continue
    echo "$c"; return 0
  done
  return 1
}

# tgtd_wait CONTROL: waits up to 5 s for that tgtd to answer.
tgtd_wait() {
  local _
  for _ in $(seq 1 250); do tgtadm -C "$1" --op show --mode sys >/dev/null 2>&1 && return 0; sleep 0.02; done
  return 1
}

# tgtd_forget CONTROL: removes the control socket files tgtd leaves in /var/run/tgtd.
tgtd_forget() { rm -f "/var/run/tgtd/socket.$1" "/var/run/tgtd/socket.$1.lock"; }

# tgt_acls CONTROL TID: the initiator names bound (ACL) on that target, one a line.
tgt_acls() {
  tgtadm -C "$1" --lld iscsi --op show --mode target | awk -v tid="$2" '
    /^Target [0-9]+:/ { t = ($2 == tid ":"); a = 0; next }
    t && /ACL information:/ { a = 1; next }
    t && a && NF { print $1 }'
}

# tgt_sessions CONTROL TID: the initiator names with a live session (I_T nexus) on that target.
tgt_sessions() {
  tgtadm -C "$1" --lld iscsi --op show --mode target | awk -v tid="$2" '
    /^Target [0-9]+:/ { t = ($2 == tid ":"); next }
    t && $1 == "Initiator:" { print $2 }'
}

# sshd_prepare DIR LOGIN: keys (DIR/host_ed25519, DIR/id_ed25519 for the client), DIR/passwd (this
# machine's plus LOGIN as uid 0 with /bin/sh and the empty home DIR/clean-home) and
# DIR/sshd_config (127.0.0.1:22, key only, pid file DIR/sshd.pid).
sshd_prepare() {
  local dir=$1 login=$2 k
  for k in host id; do ssh-keygen -q -t ed25519 -N "" -C "$login" -f "$dir/${k}_ed25519"; done
  cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
  mkdir -p "$dir/clean-home" /run/sshd
  { cat /etc/passwd; echo "$login:x:0:0:HaWitness target login:$dir/clean-home:/bin/sh"; } >"$dir/passwd"
  cat >"$dir/sshd_config" <<EOF
Port 22
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxStartups 50
MaxSessions 50
EOF
}

# sshd_exec NS DIR: execs (replaces the calling process: run it in the background) sshd in NS, in a
# private mount namespace where DIR/passwd is /etc/passwd. The PID stays the same through the execs.
sshd_exec() {
  exec ip netns exec "$1" unshare --mount --propagation private -- \
    sh -c 'mount --bind "$1" /etc/passwd && exec /usr/sbin/sshd -D -e -f "$2"' hawitness-sshd "$2/passwd" "$2/sshd_config"
}

# appliance_target_config FILE SSH KEY KNOWN_HOSTS CONTROL CONFDIR: the appliance's config with the
# storage fence on: driver tgt over SSH to SSH (login@host:port), that tgtd's control number.
appliance_target_config() {
  jq -n --arg ssh "$2" --arg key "$3" --arg kh "$4" --argjson cp "$5" --arg conf "$6" \
    '{Target: {Enabled: true, Driver: "tgt", Ssh: $ssh, SshKey: $key, KnownHosts: $kh, TgtControlPort: $cp, TgtConfDirectory: $conf}}' \
    >"$1"
}
