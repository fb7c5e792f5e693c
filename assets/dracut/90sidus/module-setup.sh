#!/bin/bash
# dracut module "sidus": turn the NFS root into the root a SIDUS client runs
# (overlay or aufs over a tmpfs, or the NFS mount itself read-write for the master).
# Installed into <root>/usr/lib/dracut/modules.d/90sidus by sidus; replaced on every
# `sidus initrd build`, so nothing here is edited by hand.

# called by dracut
check() {
    # never by default: sidus.conf asks for us by name
    return 255
}

# called by dracut
depends() {
    # network-legacy: the dhclient path that runs DHCP for ip=dhcp (Debian 11, 12, 13);
    # a dracut older than 049 (Debian 9, 10) has no network-legacy yet: its `network` is that path
    local d
    for d in "${dracutbasedir:-/usr/lib/dracut}"/modules.d/[0-9][0-9]network-legacy; do
        if [ -d "$d" ]; then
            echo nfs network-legacy
            return 0
        fi
    done
    echo nfs network
    return 0
}

# called by dracut
installkernel() {
    hostonly='' instmods overlay
    # aufs only where the kernel has it (Debian's 6.x kernels do not): the mount
    # script falls back to overlay with a console message
    if modinfo -k "$kernel" aufs > /dev/null 2>&1; then
        hostonly='' instmods aufs
    fi
}

# called by dracut
install() {
    inst_hook pre-pivot 10 "$moddir/sidus-mount.sh"
    inst_multiple mount umount mkdir modprobe

    # The address must outlive dhclient, which dracut kills before switch_root:
    # 4294967295 s is the kernel's "forever" lifetime (valid_lft forever), so the
    # address stays while the booted system runs no DHCP client of its own on it.
    # 35network-legacy (40network before dracut 049) wrote $initdir/etc/dhclient.conf before us (modules install
    # in order), we only append: no file of dracut's is patched.
    cat "$moddir/sidus-dhclient.conf" >> "$initdir/etc/dhclient.conf"
    # ... which also names our script for dhclient: dracut's, without the duplicate-address probe
    inst_script "$moddir/sidus-dhclient-script.sh" /sbin/sidus-dhclient-script
    # The firmware's lease (iPXE's ip=...:none sidus.lease=firmware) is set up by ifup's static path,
    # which probes the address for a duplicate with arping2 when there is one: ours answers that
    # probe at once for the firmware's lease (see the script). Where the root's arping is the arping
    # package's (35network-legacy installed it as arping2), it is left alone and the probe runs.
    if [ ! -e "$initdir/bin/arping2" ] && [ ! -e "$initdir/usr/bin/arping2" ] && [ ! -e "$initdir/sbin/arping2" ] && [ ! -e "$initdir/usr/sbin/arping2" ]; then
        inst_script "$moddir/sidus-arping2.sh" /usr/bin/arping2
    fi

    # mount.nfs resolves proto=tcp through /etc/protocols; a root without netbase has none
    if [ -e "$dracutsysrootdir/etc/protocols" ]; then
        inst_simple /etc/protocols
    else
        inst_simple "$moddir/protocols" /etc/protocols
    fi
}
