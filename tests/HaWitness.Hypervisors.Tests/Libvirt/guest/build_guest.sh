#!/usr/bin/env bash
# Builds the tiny TCG test guest: Debian's stock kernel (extracted from its .deb, not installed)
# and a busybox initramfs with the virtio block modules and guest_init.sh as /init.
# Needs busybox-static, cpio, kmod (scripts/deps.sh test). Adapted from shared/recipes/build_guest.sh.
#   build_guest.sh OUTDIR
set -euo pipefail
out=${1:?outdir}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
cd "$out"
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[[ -n "$pkg" ]] || { echo "build_guest: no linux-image package known to apt (run apt-get update)" >&2; exit 1; }
ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download "$pkg" >/dev/null
rm -rf kx initrd
mkdir kx
dpkg-deb -x "${pkg}"_*.deb kx
cp kx/boot/vmlinuz-* vmlinuz
kdir=$(echo kx/lib/modules/*/kernel)
mkdir -p initrd/{bin,proc,sys,dev,mods,tmp}
cp /bin/busybox initrd/bin/
for a in $(/bin/busybox --list); do [[ "$a" == busybox ]] || ln -sf busybox "initrd/bin/$a"; done
declare -A seen
order=()
resolve() {
  local m=${1//-/_} f d
  [[ -n "${seen[$m]:-}" ]] && return
  seen[$m]=1
  f=$(find "$kdir" \( -name "$m.ko" -o -name "$1.ko" \) | head -1)
  [[ -n "$f" ]] || { echo "build_guest: missing module $1" >&2; return; }
  for d in $(modinfo -F depends "$f" | tr , ' '); do resolve "$d"; done
  order+=("$f")
}
for m in virtio_pci virtio_blk; do resolve "$m"; done
: > initrd/mods/order
for f in "${order[@]}"; do cp "$f" initrd/mods/; basename "$f" >> initrd/mods/order; done
cp "$here/guest_init.sh" initrd/init
chmod +x initrd/init
(cd initrd && find . | cpio -o -H newc 2>/dev/null | gzip -1 > ../initrd.gz)
rm -rf kx initrd "${pkg}"_*.deb
chmod 0644 vmlinuz initrd.gz
echo "build_guest: $out/vmlinuz $out/initrd.gz"
