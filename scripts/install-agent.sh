#!/usr/bin/env bash
# Installs the HaWitness agent on a Debian/Ubuntu hypervisor host as the systemd service
# hawitness-agent.service, or removes it. Run it as root; running it again changes nothing.
#
#   scripts/install-agent.sh --join JOINSTRING | --join-file FILE|-
#                            [--hypervisor libvirt|vix|vmrun] [--name NAME] [--raft IP:PORT]
#                            [--initiator IQN] [--watchdog DEVICE|none] [--binary PATH] [--root DIR]
#   scripts/install-agent.sh --uninstall [--purge] [--root DIR]
#
# What it installs (see docs/deploy.md):
#   /usr/local/lib/hawitness-agent/   the AOT binary and the native libraries beside it
#   /usr/local/bin/hawitness-agent    a link to it
#   /etc/hawitness/agent.json         the agent's configuration (0600)
#   /etc/hawitness/agent.join         the join string (0600: it holds the join token)
#   /etc/systemd/system/hawitness-agent.service
#   /etc/modules-load.d/hawitness-softdog.conf   only when softdog stands in for a hardware watchdog
#   /var/lib/hawitness-agent/         the agent's data (0700; kept by --uninstall unless --purge)
# --root DIR installs under DIR and skips systemctl and modprobe (saying what it skipped): for tests
# and for preparing an image.
# Exit codes: 0 done (or nothing to change), 1 failed, 2 bad input (nothing was changed).
set -euo pipefail

prog=install-agent
usage() {
  sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
bad() { echo "$prog: $*" >&2; exit 2; }
fail() { echo "$prog: $*" >&2; exit 1; }

join=""; join_file=""; hypervisor=libvirt; name=""; raft=""; initiator=""; watchdog=/dev/watchdog
binary=""; root=""; uninstall=0; purge=0
while (($#)); do
  case "$1" in
    --join) (($# >= 2)) || usage; join=$2; shift 2 ;;
    --join-file) (($# >= 2)) || usage; join_file=$2; shift 2 ;;
    --hypervisor) (($# >= 2)) || usage; hypervisor=$2; shift 2 ;;
    --name) (($# >= 2)) || usage; name=$2; shift 2 ;;
    --raft) (($# >= 2)) || usage; raft=$2; shift 2 ;;
    --initiator) (($# >= 2)) || usage; initiator=$2; shift 2 ;;
    --watchdog) (($# >= 2)) || usage; watchdog=$2; shift 2 ;;
    --binary) (($# >= 2)) || usage; binary=$2; shift 2 ;;
    --root) (($# >= 2)) || usage; root=$2; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) usage ;;
    *) bad "unknown argument '$1' (--help lists them)" ;;
  esac
done

if [[ -n "$root" ]]; then
  [[ "$root" == /* && -d "$root" ]] || bad "--root '$root' must be an existing directory, given as an absolute path"
  root=${root%/}
elif ((EUID != 0)); then
  fail "run as root (or give --root DIR to install under a directory)"
fi

lib_dir=/usr/local/lib/hawitness-agent
link=/usr/local/bin/hawitness-agent
conf_dir=/etc/hawitness
config=$conf_dir/agent.json
join_path=$conf_dir/agent.join
unit=/etc/systemd/system/hawitness-agent.service
softdog_conf=/etc/modules-load.d/hawitness-softdog.conf
data_dir=/var/lib/hawitness-agent
libs=(libe_sqlite3.so libhawitness-vixshim.so)

changed=0
note() { echo "$prog: $*"; }
# Runs a system command, or says it was skipped under --root.
system() {
  if [[ -n "$root" ]]; then
    note "skipped (--root): $*"
  else
    "$@"
  fi
}

# --- uninstall -------------------------------------------------------------------------------------
if ((uninstall)); then
  [[ -z "$join$join_file" ]] || bad "--uninstall takes no join string"
  if [[ -e "$root$unit" ]]; then
    system systemctl disable --now hawitness-agent.service
  fi
  for f in "$unit" "$config" "$join_path" "$softdog_conf" "$link" "$lib_dir/hawitness-agent" "${libs[@]/#/$lib_dir/}"; do
    if [[ -e "$root$f" || -L "$root$f" ]]; then
      rm -f -- "$root$f"
      note "removed $f"
      changed=1
    fi
  done
  for d in "$lib_dir" "$conf_dir"; do
    if [[ -d "$root$d" ]] && rmdir -- "$root$d" 2>/dev/null; then
      note "removed $d/"
    fi
  done
  if ((purge)) && [[ -d "$root$data_dir" ]]; then
    rm -rf -- "${root:?}$data_dir"
    note "removed $data_dir/ (--purge)"
    changed=1
  elif [[ -d "$root$data_dir" ]]; then
    note "kept $data_dir/ (the agent's data; --purge removes it)"
  fi
  if ((changed)); then
    system systemctl daemon-reload
    note "uninstalled"
  else
    note "nothing to change: the agent is not installed"
  fi
  exit 0
fi
((purge == 0)) || bad "--purge goes with --uninstall"

# --- validate every input before touching anything ------------------------------------------------
if [[ -n "$join" && -n "$join_file" ]]; then
  bad "give --join or --join-file, not both"
elif [[ -n "$join_file" ]]; then
  if [[ "$join_file" == - ]]; then
    IFS= read -r join || true
  else
    [[ -r "$join_file" ]] || bad "--join-file '$join_file' cannot be read"
    IFS= read -r join <"$join_file" || true
  fi
fi
[[ -n "$join" ]] || bad "--join JOINSTRING (or --join-file FILE) is required; print it on the appliance with: hawitness join-token --join-string"

join=${join//[[:space:]]/}
[[ "$join" =~ ^hawitness-join:v1:[A-Za-z0-9_-]+$ ]] || bad "the join string must look like hawitness-join:v1:BASE64URL (from 'hawitness join-token --join-string')"
b64=${join#hawitness-join:v1:}
b64=${b64//-/+}; b64=${b64//_/\/}
while (( ${#b64} % 4 )); do b64+='='; done
payload=$(printf '%s' "$b64" | base64 -d 2>/dev/null) || bad "the join string is damaged (not base64url); copy it again"
[[ "$payload" != *$'\n'* ]] || bad "the join string is damaged (a line break inside); copy it again"
IFS='|' read -r url fingerprint token extra <<<"$payload" || true
[[ -z "${extra:-}" && "$payload" == *'|'*'|'* ]] || bad "the join string is damaged (it needs URL|fingerprint|token); copy it again"
[[ "$url" =~ ^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(:[0-9]{1,5})?$ ]] || bad "the join string's URL '$url' is not http(s)://HOST[:PORT]"
witness_host=${BASH_REMATCH[1]}
[[ -z "$fingerprint" || "$fingerprint" =~ ^[0-9A-Fa-f]{64}$ ]] || bad "the join string's fingerprint is not a SHA-256 (64 hex digits)"
[[ "$token" =~ ^[A-Za-z0-9_-]{16,128}$ ]] || bad "the join string's token is malformed (16..128 of A-Z a-z 0-9 - _)"
[[ "$url" == https://* || "$witness_host" =~ ^(127\.[0-9.]+|localhost|\[::1\])$ ]] \
  || note "warning: the join string's URL is plain http off loopback: the token will cross the network in clear"

case "$hypervisor" in
  libvirt|vix|vmrun) ;;
  *) bad "--hypervisor '$hypervisor' is not one of libvirt, vix, vmrun" ;;
esac
[[ -z "$name" || "$name" =~ ^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$ ]] || bad "--name '$name' is not a host name (letters, digits, '-', '.', 1..63, starting with a letter or digit)"
[[ "$watchdog" == none || "$watchdog" =~ ^/dev/[A-Za-z0-9_./-]+$ ]] || bad "--watchdog '$watchdog' must be a device under /dev, or none"

ipv4='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}'
if [[ -z "$raft" ]]; then
  # The address this host uses towards the appliance, port 7420.
  [[ "$witness_host" =~ ^$ipv4$ ]] || bad "give --raft IP:PORT (this host's Raft address the appliance can reach): the join string names the appliance by '$witness_host', not by an IPv4 address"
  src=$(ip -4 -o route get "$witness_host" 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  [[ "$src" =~ ^$ipv4$ ]] || bad "cannot tell this host's address towards $witness_host; give --raft IP:PORT"
  raft="$src:7420"
fi
[[ "$raft" =~ ^$ipv4:[0-9]{1,5}$ ]] && (( 10#${raft##*:} >= 1 && 10#${raft##*:} <= 65535 )) || bad "--raft '$raft' is not IPv4:PORT"

iqn_pattern='^(iqn\.[0-9]{4}-[0-9]{2}\.[a-z0-9.-]+(:[^[:space:]"\\]+)?|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16}([0-9A-Fa-f]{16})?)$'
if [[ -z "$initiator" ]]; then
  iscsi_file=$root/etc/iscsi/initiatorname.iscsi
  [[ -r "$iscsi_file" ]] || fail "$iscsi_file is missing: install open-iscsi (apt-get install open-iscsi) or give --initiator IQN"
  initiator=$(sed -n 's/^[[:space:]]*InitiatorName=\([^[:space:]]*\).*/\1/p' "$iscsi_file" | head -n 1)
  [[ -n "$initiator" ]] || fail "$iscsi_file has no InitiatorName= line"
fi
[[ "$initiator" =~ $iqn_pattern ]] || bad "initiator '$initiator' is not an iSCSI name (iqn.YYYY-MM.domain[:id], eui.<16 hex>, naa.<16|32 hex>)"

if [[ -z "$binary" ]]; then
  here=$(cd "$(dirname "$0")" && pwd)
  for candidate in "$here/hawitness-agent" "$here/../out/hawitness-agent"; do
    if [[ -f "$candidate" ]]; then binary=$candidate; break; fi
  done
  [[ -n "$binary" ]] || fail "no hawitness-agent beside the script or in out/ (scripts/publish.sh makes it); give --binary PATH"
fi
[[ -f "$binary" && -x "$binary" ]] || fail "--binary '$binary' is not an executable file"
bin_dir=$(cd "$(dirname "$binary")" && pwd)
[[ -f "$bin_dir/libe_sqlite3.so" ]] || fail "$bin_dir/libe_sqlite3.so is missing: the agent needs it beside its binary (scripts/publish.sh puts it in out/)"
if [[ "$hypervisor" == vix && ! -f "$bin_dir/libhawitness-vixshim.so" ]]; then
  fail "$bin_dir/libhawitness-vixshim.so is missing: the vix driver needs it beside the binary"
fi

# --- install -----------------------------------------------------------------------------------------
# Writes CONTENT (from stdin) to PATH with MODE, only when content or mode differ.
put() {
  local path=$1 mode=$2 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [[ -f "$root$path" && ! -L "$root$path" ]] && cmp -s "$tmp" "$root$path" && [[ $(stat -c %a "$root$path") == "$mode" ]]; then
    rm -f -- "$tmp"
    return
  fi
  mkdir -p -- "$(dirname "$root$path")"
  install -m "$mode" -- "$tmp" "$root$path"
  rm -f -- "$tmp"
  note "wrote $path (mode $mode)"
  changed=1
}

# JSON string: the values were validated above and hold no quote, backslash or control character.
config_json() {
  printf '{\n'
  [[ -z "$name" ]] || printf '  "Name": "%s",\n' "$name"
  printf '  "Hypervisor": "%s",\n' "$hypervisor"
  printf '  "DataDirectory": "%s",\n' "$data_dir"
  printf '  "Raft": "%s",\n' "$raft"
  printf '  "InitiatorIqn": "%s",\n' "$initiator"
  printf '  "Watchdog": "%s"\n' "$watchdog"
  printf '}\n'
}

unit_file() {
  local after="network-online.target iscsid.service"
  [[ "$hypervisor" != libvirt ]] || after+=" libvirtd.service"
  cat <<EOF
# Written by scripts/install-agent.sh; running it again rewrites this file. See docs/deploy.md.
[Unit]
Description=HaWitness agent (hypervisor: $hypervisor)
Wants=network-online.target
After=$after

[Service]
Type=notify
ExecStart=$lib_dir/hawitness-agent --config $config --join-file $join_path
Restart=on-failure
RestartSec=2s
# systemd restarts the agent when its join and heartbeat loops stop turning (it pings at half this).
WatchdogSec=30s
TimeoutStopSec=15s
StateDirectory=hawitness-agent
StateDirectoryMode=0700
UMask=0077
EOF
  if [[ "$hypervisor" == libvirt ]]; then
    cat <<EOF
# libvirt: the agent is only a client of libvirtd's socket and opens the watchdog device (root's
# own files): it needs no capability and writes only its state directory.
NoNewPrivileges=yes
CapabilityBoundingSet=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
EOF
  else
    cat <<EOF
# VMware: the VMs' processes start inside this unit, inherit its restrictions and must outlive an
# agent restart; so no sandboxing here, and a stop or restart ends the agent's process only.
KillMode=process
EOF
  fi
  cat <<EOF

[Install]
WantedBy=multi-user.target
EOF
}

put "$lib_dir/hawitness-agent" 755 <"$binary"
for l in "${libs[@]}"; do
  if [[ -f "$bin_dir/$l" ]]; then
    put "$lib_dir/$l" 644 <"$bin_dir/$l"
  elif [[ -e "$root$lib_dir/$l" ]]; then
    rm -f -- "$root$lib_dir/$l"; note "removed $lib_dir/$l (not beside the new binary)"; changed=1
  fi
done
if [[ "$(readlink -- "$root$link" 2>/dev/null || true)" != "$lib_dir/hawitness-agent" ]]; then
  mkdir -p -- "$root$(dirname "$link")"
  ln -sfn -- "$lib_dir/hawitness-agent" "$root$link"
  note "linked $link -> $lib_dir/hawitness-agent"
  changed=1
fi
config_json | put "$config" 600
printf '%s\n' "$join" | put "$join_path" 600
unit_file | put "$unit" 644
if [[ ! -d "$root$data_dir" ]]; then
  mkdir -p -m 0700 -- "$root$data_dir"
  note "made $data_dir/ (mode 700)"
  changed=1
fi

# The watchdog: a hardware one if the host has it, else the kernel's softdog, loaded now and at boot.
if [[ "$watchdog" != none ]]; then
  if [[ -c "$root$watchdog" && ! -e "$root$softdog_conf" ]]; then
    note "watchdog: $watchdog is there"
  else
    [[ "$watchdog" == /dev/watchdog ]] || fail "watchdog: $watchdog is not a character device here; load its driver or give --watchdog /dev/watchdog (softdog) or none"
    printf 'softdog\n' | put "$softdog_conf" 644
    if [[ ! -c "$root$watchdog" ]]; then
      system modprobe softdog
      [[ -n "$root" || -c "$watchdog" ]] || fail "watchdog: modprobe softdog did not make $watchdog"
    fi
    note "watchdog: softdog (no hardware watchdog found)"
  fi
elif [[ -e "$root$softdog_conf" ]]; then
  rm -f -- "$root$softdog_conf"; note "removed $softdog_conf (--watchdog none)"; changed=1
fi

if ((changed)); then
  system systemctl daemon-reload
  system systemctl enable hawitness-agent.service
  system systemctl restart hawitness-agent.service
  note "installed: hawitness-agent.service ($hypervisor, Raft $raft, initiator $initiator, watchdog $watchdog)"
  [[ -n "$root" ]] || note "check it: systemctl status hawitness-agent; journalctl -u hawitness-agent -f"
else
  note "nothing to change: hawitness-agent is installed as asked"
fi
