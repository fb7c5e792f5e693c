#!/bin/sh
# sidus (90sidus): the image's arping2. dracut's network-legacy runs arping2 (the arping package's
# program) when the image has one, else iputils' arping (what Debian's image has), for two probes:
#  - ifup, before it sets up a static ip= address: `arping2 -q -C 1 -c 2 -I <if> -0 <ip>`, a
#    duplicate-address probe (status 0: "a reply came", the address is in use);
#  - setup_net, once the interface is up: `arping2 -q -C 1 -c <n> -I <if> <dest>`, waiting for the
#    gateway (or the root's server) to answer.
# sidus's iPXE entries hand the kernel the address the firmware was leased moments before
# (ip=<lease>...:none sidus.lease=firmware): the DHCP server pinged it before offering it and the
# firmware has used it since, so its probe (two probes one second apart: 2 s of waiting on every
# boot) is answered "free" at once, as sidus-dhclient-script answers it for dhclient's lease.
# sidus.dad=1 on the kernel line keeps the probe, and any other static address is probed: both by
# iputils' arping -D, whose status says the opposite ("0: no reply"). The wait for the gateway is
# iputils' arping -f -w <n>, what dracut runs when there is no arping2.
iface='' count=1 dad='' dest=''
while [ "$#" -gt 0 ]; do
    case "$1" in
        -I) iface=$2; shift ;;
        -c) count=$2; shift ;;
        -C) shift ;;
        -0) dad=1 ;;
        -q) ;;
        -*)
            echo "arping2 (sidus initrd): unknown option $1" >&2
            exit 2
            ;;
        *) dest=$1 ;;
    esac
    shift
done
if [ -z "$iface" ] || [ -z "$dest" ]; then
    echo "arping2 (sidus initrd): usage: arping2 [-q] [-C 1] [-c N] -I IFACE [-0] ADDRESS" >&2
    exit 2
fi

if [ -n "$dad" ]; then
    read -r cmdline < /proc/cmdline
    case " $cmdline " in
        *" sidus.dad=1 "*) ;;
        *" sidus.lease=firmware "*) exit 1 ;;
    esac
    if arping -f -q -D -c "$count" -I "$iface" "$dest"; then
        exit 1
    fi
    exit 0
fi
exec arping -q -f -w "$count" -I "$iface" "$dest"
