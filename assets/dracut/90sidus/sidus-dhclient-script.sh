#!/bin/sh
# sidus (90sidus): the script dhclient runs in the initrd (named by `script` in /etc/dhclient.conf),
# in front of dracut's own /sbin/dhclient-script, which does all the work. One difference: on
# BOUND, dracut probes the address it was just leased for a duplicate (arping, two probes one
# second apart) before setting it up: 2.0 s of every boot, measured in the lab, on any hardware
# (it is waiting, not work). The firmware has just used this same lease without a probe, dnsmasq
# pings an address before it offers it, and systemd-networkd probes no IPv4 address by default.
# So dracut's script runs in this shell (sourced: it resets PATH, and a function comes before
# PATH) and, on BOUND, finds an arping2 that answers "not in use" at once (dracut prefers arping2
# to arping; success would mean "a reply came"). sidus.dad=1 on the kernel line keeps the probe.
if [ "$reason" = BOUND ]; then
    read -r cmdline < /proc/cmdline
    case " $cmdline " in
        *" sidus.dad=1 "*) ;;
        *) arping2() { return 1; } ;;
    esac
fi
. /sbin/dhclient-script
