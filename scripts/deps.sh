#!/usr/bin/env bash
# Installs the Debian packages a HaWitness task needs; idempotent and quiet when all are there.
#   scripts/deps.sh test      packages the test suite runs for real (tgtd, sshd, initiators, ...)
#   scripts/deps.sh publish   the Native-AOT toolchain (clang, zlib)
#   scripts/deps.sh bench     what bench-failover-lab.sh and soak.sh run (tgtd, sshd, jq, sqlite3, stress-ng)
#   scripts/deps.sh lab       what lab.sh runs (tgtd, sshd, jq, socat for the page's relay)
set -euo pipefail

declare -A GROUPS_=(
  [test]="curl procps iproute2 iptables tgt openssh-server openssh-client libiscsi-bin qemu-utils qemu-block-extra gcc libc6-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 busybox-static cpio kmod chromium chromium-driver wrk faketime"
  [publish]="clang zlib1g-dev gcc libc6-dev"
  [bench]="curl procps iproute2 tgt openssh-server openssh-client jq sqlite3 stress-ng"
  [lab]="curl procps iproute2 tgt openssh-server openssh-client jq socat"
)

want=()
for group in "${@:-test}"; do
  [[ -n "${GROUPS_[$group]:-}" ]] || { echo "deps.sh: unknown group '$group' (test | publish | bench | lab)" >&2; exit 2; }
  for p in ${GROUPS_[$group]}; do want+=("$p"); done
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
