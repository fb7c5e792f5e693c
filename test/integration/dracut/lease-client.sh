#!/bin/sh
# Run an unpacked initrd's own dhclient (and so its dhclient-script) in the current network
# namespace, inside a private mount namespace: proc, sys and a small /dev of its own
# (/dev/kmsg a plain file, so dracut's messages stay out of the host's kernel log).
# usage: unshare -m sh lease-client.sh UNPACKED-INITRD IFACE DHCLIENT-CONF
set -e
d=$1
mount -t proc proc "$d/proc"
mount -t sysfs sys "$d/sys"
mount -t tmpfs -o mode=755 dev "$d/dev"
mknod -m 666 "$d/dev/null" c 1 3
mknod -m 666 "$d/dev/urandom" c 1 9
mknod -m 666 "$d/dev/random" c 1 8
: > "$d/dev/kmsg"
# a booting initrd never has an earlier lease (dracut's dhclient-script handles no REBOOT)
rm -f "$d/tmp/dhclient.lease"
exec chroot "$d" /usr/sbin/dhclient -d -1 -cf "$3" -pf /tmp/dhclient.pid -lf /tmp/dhclient.lease "$2"
