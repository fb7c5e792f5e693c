#!/bin/sh
# sidus node status: what this node runs, as key=value lines (read by src/fleet/probe.ts).
# Sent over SSH on stdin to `sh -s`; only reads, never writes.
gen=1
if [ -r /etc/sidus-generation ]; then
    read -r gen < /etc/sidus-generation || true
fi
echo "generation=$gen"
# /run/sidus/state is written by the initrd's sidus-mount.sh: requested=, mode=, size=
if [ -r /run/sidus/state ]; then
    while IFS='=' read -r key value; do
        case "$key" in
            requested|mode|size) echo "state_$key=$value" ;;
        esac
    done < /run/sidus/state
fi
for word in $(cat /proc/cmdline 2>/dev/null); do
    case "$word" in
        root=*) echo "cmdline_root=${word#root=}" ;;
    esac
done
echo "kernel=$(uname -r)"
read -r up _ < /proc/uptime && echo "uptime=${up%%.*}"
read -r l1 l5 l15 _ < /proc/loadavg && echo "load=$l1 $l5 $l15"
read -r boot_id < /proc/sys/kernel/random/boot_id && echo "boot_id=$boot_id"
# the writable layer of a RAM-backed overlay: its own tmpfs mount, when there is one
if awk '$2 == "/run/sidus/rw" { found = 1 } END { exit !found }' /proc/mounts 2>/dev/null; then
    df -P /run/sidus/rw | awk 'NR == 2 { sub("%", "", $5); print "overlay_use=" $5 }'
fi
