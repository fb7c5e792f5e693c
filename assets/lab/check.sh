#!/bin/sh
# sidus lab: runs inside the booted client (systemd.run= on the lab's kernel line, from a
# read-only NFS export of the lab). Prints what the lab checks on the console, one line
# per fact, each tagged with the boot's nonce so nothing else on the console can match.
exec > /dev/console 2>&1
nonce=$(sed -n 's/.*sidus\.lab=\([A-Za-z0-9]*\).*/\1/p' /proc/cmdline)
say() { echo "SIDUS-LAB $nonce $*"; }
# no colours, no pager: the lines are read off the console
export SYSTEMD_COLORS=0 SYSTEMD_PAGER=

# What the lab checks, one line per fact. Said once the boot is over (below): while it runs, every
# process started here is taken from the client's own boot (a second per ten under the lab's
# emulation), and a job still running holds back the serial getty (Type=idle waits for the boot's
# jobs, up to 5 s): the login prompt the lab times would wait for the lab's own checks.
facts() {
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
    # the units a diskless client goes without (the root's list): what systemd made of each
    # (one systemctl for them all, not one per unit: each process start is slow under emulation)
    units=
    if [ -r /etc/sidus/diskless-masks ]; then
        names=$(while read -r unit reason; do
            case "$unit" in '' | '#'*) continue ;; esac
            echo "$unit"
        done < /etc/sidus/diskless-masks)
        # shellcheck disable=SC2086 # one argument per unit name (names never hold a blank)
        [ -n "$names" ] && units=$(systemctl show -p Id -p LoadState $names 2>/dev/null |
            awk 'BEGIN { RS = "" } { id = ""; state = ""; for (i = 1; i <= NF; i++) { if ($i ~ /^Id=/) id = substr($i, 4); if ($i ~ /^LoadState=/) state = substr($i, 11) } printf " %s=%s", id, state }')
    fi
    say units$units
}

# `check.sh analyze`: the facts above and the client's own view of its boot time, once the boot is
# over. systemd-analyze refuses until then, and the first part of this script may be part of the boot
# (systemd.run= makes a oneshot the default target waits for; the lab's kernel line starts it through
# systemd-run, beside the boot): it starts this part as a unit of its own and returns at once.
# Bounded: a boot that never settles still gets its "end".
if [ "${1:-}" = analyze ]; then
    timeout 300 systemctl is-system-running --wait > /dev/null 2>&1
    facts
    systemd-analyze time 2>&1 | while IFS= read -r line; do say analyze "$line"; done
    # the chain to multi-user.target (the default target is systemd.run='s own), tree drawing cut off
    systemd-analyze critical-chain multi-user.target 2>/dev/null | sed -n 's/^[^A-Za-z0-9]*\([A-Za-z0-9].* @.*\)$/\1/p' | head -n 8 |
        while IFS= read -r line; do say chain "$line"; done
    systemd-analyze blame 2>/dev/null | head -n 5 | while read -r line; do say blame "$line"; done
    # the target the boot reached: multi-user on a normal boot, emergency (and not multi-user) on a rescue one
    say target emergency.target=$(systemctl is-active emergency.target) multi-user.target=$(systemctl is-active multi-user.target)
    # a rescue boot's console: what runs in emergency.service (sulogin, waiting for Enter to hand the
    # console a root shell); it starts a moment after the boot settled
    cg=$(systemctl show -p ControlGroup --value emergency.service 2>/dev/null)
    if [ -n "$cg" ]; then
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            procs=$(while read -r pid; do cat "/proc/$pid/comm" 2>/dev/null; done < "/sys/fs/cgroup$cg/cgroup.procs" 2>/dev/null | tr '\n' ' ')
            case " $procs" in *" sulogin "*) break ;; esac
            sleep 2
        done
        say emergency $procs
    fi
    say end
    exit 0
fi
# the rest runs on when the boot is over, and says "end"; without systemd-run, the facts and end here
# (no default dependencies: on a rescue boot they would pull sysinit.target, which stops emergency.target)
systemd-run --no-block --quiet --collect --property=DefaultDependencies=no --unit="sidus-lab-analyze-$nonce" /bin/sh "$0" analyze || { facts; say end; }
