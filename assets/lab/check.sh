#!/bin/sh
# sidus lab: runs inside the booted client (systemd.run= on the lab's kernel line, from a
# read-only NFS export of the lab). Prints what the lab checks on the console, one line
# per fact, each tagged with the boot's nonce so nothing else on the console can match.
exec > /dev/console 2>&1
nonce=$(sed -n 's/.*sidus\.lab=\([A-Za-z0-9]*\).*/\1/p' /proc/cmdline)
say() { echo "SIDUS-LAB $nonce $*"; }
say begin uptime=$(cut -d' ' -f1 /proc/uptime)
say addr $(ip -4 -o addr show scope global 2>/dev/null | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | tr '\n' ' ')
# the root and every layer under it: fstype source options (one line each, | separated)
say root $(findmnt -n -o FSTYPE,SOURCE,OPTIONS / 2>/dev/null | head -n 1)
say mounts $(awk '$3 ~ /^(nfs|nfs4|overlay|aufs|tmpfs)$/ && $2 !~ /^\/(dev|sys|proc)/ { printf "%s %s %s|", $3, $1, $2 }' /proc/mounts)
# the write probe: on an overlay client it must stay in the tmpfs, on the master it reaches the server
if echo "$nonce" > "/.sidus-lab-$nonce" && sync; then say write ok; else say write failed; fi
# who the client thinks it is: its host name (DHCP gives a node its inventory name) and its Debian release
say host $(hostname)
say os $(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null)
say end
