#!/bin/sh
# /init of the tiny test guest: loads virtio, writes a marker to its first disk (an iSCSI LUN
# when the test gives it one), says so on the serial console, then idles until it is destroyed.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "HAWITNESS-GUEST-UP uptime=$(cut -d' ' -f1 /proc/uptime)"
for m in $(cat /mods/order); do insmod /mods/$m 2>/dev/null || echo "insmod $m failed"; done
marker=HWGUEST
for a in $(cat /proc/cmdline); do case $a in marker=*) marker=${a#marker=};; esac; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
if printf '%s' "$marker" | dd of=/dev/vda bs=512 seek=1 conv=fsync 2>/dev/null; then
  echo "HAWITNESS-GUEST-DISK-OK marker=$marker uptime=$(cut -d' ' -f1 /proc/uptime)"
else
  echo "HAWITNESS-GUEST-DISK-FAILED"
fi
while true; do sleep 60; done
