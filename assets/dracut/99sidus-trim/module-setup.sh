#!/bin/bash
# dracut module "sidus-trim": take back what earlier modules put into the image that no
# step of an NFS boot uses. dracut has no "omit this file" setting, so this module is
# numbered 99 and named to sort after every other module: it installs last and removes.
# Installed into <root>/usr/lib/dracut/modules.d/99sidus-trim by sidus; replaced on every
# `sidus initrd build`.

# called by dracut
check() {
    # never by default: sidus.conf asks for us by name
    return 255
}

# called by dracut
depends() {
    return 0
}

# sidus_drop_libs PATTERN...: the libraries of these names (and their links) that no other ELF
# file left in the image links; a dracut or systemd whose programs still need one keeps it.
# ldd (the root's loader; the image holds the same files) lists all a program needs, its
# libraries' libraries too, so one pass over the files that are not candidates decides.
sidus_drop_libs() {
    local f pattern lib real linked candidate
    linked=$(find "$initdir" -path "$initdir/usr/lib/modules" -prune -o -path "$initdir/lib/modules" -prune -o -type f -print \
        | while read -r f; do
            candidate=no
            for pattern in "$@"; do
                # shellcheck disable=SC2254 # a glob on purpose
                case "${f##*/}" in $pattern) candidate=yes ;; esac
            done
            [ "$candidate" = no ] || continue
            [ "$(head -c 4 "$f" 2> /dev/null | tr -d '\177')" = ELF ] || continue
            ldd "$f" 2> /dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
        done | sort -u | xargs -r readlink -f | sort -u)
    for pattern in "$@"; do
        for lib in "$initdir"/usr/lib/*-linux-gnu*/$pattern "$initdir"/usr/lib/*-linux-gnu*/systemd/$pattern \
            "$initdir"/usr/lib/systemd/$pattern "$initdir"/usr/lib64/$pattern "$initdir"/usr/lib/$pattern; do
            [ -e "$lib" ] || [ -L "$lib" ] || continue
            real=$(readlink -f "$lib")
            # compared as the root sees the path
            printf '%s\n' "$linked" | grep -qxF "${real#"$initdir"}" && continue
            rm -f "$lib"
            [ "$real" != "$lib" ] && rm -f "$real"
        done
    done
}

# sidus_getarg_in_shell LIB: LIB's calls of dracut-getarg and dracut-getargs call getarg.sh's
# functions, put in after LIB's first line (its top level calls getarg: setdebug); written beside
# it and renamed over it, and only when no other use of dracut-util is left in it. getarg and
# getargs also read the command line in the shell they run in (getcmdline sets CMDLINE itself)
# instead of in a subshell of their own: a fork per lookup less.
sidus_getarg_in_shell() {
    local lib="$1"
    [ -f "$lib" ] || return 0
    grep -q 'dracut-getarg' "$lib" || return 0
    grep -q '_sidus_getarg' "$lib" && return 0
    if ! sed -e 's/dracut-getargs "/_sidus_getargs "/g' -e 's/dracut-getarg "/_sidus_getarg "/g' \
        -e 's/^    CMDLINE=\$(getcmdline)$/    getcmdline > \/dev\/null/' "$lib" > "$lib.sidus" \
        || grep -q 'dracut-getarg' "$lib.sidus" \
        || ! sed -i -e "1r $moddir/getarg.sh" "$lib.sidus"; then
        rm -f "$lib.sidus"
        return 0
    fi
    chmod --reference="$lib" "$lib.sidus"
    mv -f "$lib.sidus" "$lib"
}

# sidus_link_wait_in_shell NETLIB: link-wait.sh appended to the image's net-lib.sh, whose
# wait_for_if_link, wait_for_if_up, linkup and iface_has_carrier it then replaces (the last
# definition wins): sysfs read by the shell instead of an `ip` per look. Only where net-lib.sh
# defines all four as dracut writes them; written beside and renamed over NETLIB.
sidus_link_wait_in_shell() {
    local lib="$1" f
    [ -f "$lib" ] || return 0
    grep -q '_sidus_link_flags' "$lib" && return 0
    for f in wait_for_if_link wait_for_if_up linkup iface_has_carrier; do
        grep -q "^$f() {\$" "$lib" || return 0
    done
    if ! cat "$lib" "$moddir/link-wait.sh" > "$lib.sidus"; then
        rm -f "$lib.sidus"
        return 0
    fi
    chmod --reference="$lib" "$lib.sidus"
    mv -f "$lib.sidus" "$lib"
}

# sidus_coldplug_skip INIT LIST: INIT's two coldplug triggers (udevadm trigger --type=subsystems
# and --type=devices, --action=add) skip the subsystems LIST names (coldplug-skip); written beside
# and renamed over INIT, and only when both lines are found as dracut writes them.
sidus_coldplug_skip() {
    local init="$1" list="$2" skip='' name why
    [ -f "$init" ] && [ -r "$list" ] || return 0
    grep -q -- '--subsystem-nomatch=' "$init" && return 0
    while read -r name why; do
        case "$name" in '' | '#'*) continue ;; esac
        case "$name" in *[!a-z0-9_-]*) continue ;; esac
        skip="$skip --subsystem-nomatch=$name"
    done < "$list"
    [ -n "$skip" ] || return 0
    [ "$(grep -c -E '^udevadm trigger --type=(subsystems|devices) --action=add ' "$init")" = 2 ] || return 0
    if ! sed -E -e "s/^(udevadm trigger --type=(subsystems|devices) --action=add) /\\1$skip /" "$init" > "$init.sidus" \
        || [ "$(grep -c -- "--action=add$skip " "$init.sidus")" != 2 ]; then
        rm -f "$init.sidus"
        return 0
    fi
    chmod --reference="$init" "$init.sidus"
    mv -f "$init.sidus" "$init"
}

# called by dracut
install() {
    local libs r d
    # udev's seat rules: 71-seat.rules runs loginctl (lock-sessions when a Wiebetech device
    # is plugged), and loginctl alone pulls in libsystemd-shared with PAM, audit, seccomp and
    # iptables (about 1.2 MiB compressed). No logind and no seat exist in the initrd; the
    # booted root's udev applies its own rules again.
    for r in 70-uaccess.rules 71-seat.rules 73-seat-late.rules; do
        rm -f "$initdir${udevdir:-/usr/lib/udev}/rules.d/$r" "$initdir/usr/lib/udev/rules.d/$r" "$initdir/etc/udev/rules.d/$r"
    done
    rm -f "$initdir/usr/bin/loginctl" "$initdir/bin/loginctl"
    libs='libsystemd-shared-*.so libpam.so.* libaudit.so.* libcap-ng.so.* libseccomp.so.* libip4tc.so.* libcrypt.so.*'

    # Local disks: udev's ATA/SCSI/CD-ROM helpers and the rules that run them or blkid on block
    # devices (persistent names, btrfs), and blkid itself (dracut-lib needs it only for a
    # root=UUID=/LABEL= on a disk). An NFS root never waits for a block device.
    for r in 60-persistent-storage.rules 60-cdrom_id.rules 64-btrfs.rules 60-block.rules \
        59-persistent-storage.rules 61-persistent-storage.rules; do
        rm -f "$initdir${udevdir:-/usr/lib/udev}/rules.d/$r" "$initdir/usr/lib/udev/rules.d/$r" "$initdir/etc/udev/rules.d/$r"
    done
    for r in ata_id scsi_id cdrom_id; do
        rm -f "$initdir${udevdir:-/usr/lib/udev}/$r" "$initdir/usr/lib/udev/$r"
    done
    # findmnt: dracut-lib's ismounted() reads /proc/mounts when it is missing; it alone
    # linked libsmartcols and libudev.
    rm -f "$initdir/usr/sbin/blkid" "$initdir/sbin/blkid" "$initdir/usr/bin/findmnt" "$initdir/bin/findmnt"
    libs="$libs libsmartcols.so.* libudev.so.*"
    # pgrep and expr, which network-legacy requires, each for one call: procps' pgrep alone
    # linked libproc2 -> libsystemd -> libgcrypt, lz4 (~1 MiB), coreutils' expr libgmp. Our
    # shell versions of those two calls take their place (pgrep.sh, expr.sh: other forms refused).
    for r in pgrep expr; do
        rm -f "$initdir/usr/bin/$r" "$initdir/bin/$r"
        inst_simple "$moddir/$r.sh" "/usr/bin/$r"
    done
    libs="$libs libproc2.so.* libsystemd.so.* libgcrypt.so.* libgpg-error.so.* liblz4.so.* libgmp.so.*"
    # pidof: no module installs one, and without it dracut-lib's stand-in forks readlink -f once per
    # process at each call (95nfs's cleanup hook alone: three calls, 0.5 s of a lab boot). Ours
    # reads /proc with the shell alone (pidof.sh); a pidof some module did install stays.
    if [ ! -e "$initdir/usr/bin/pidof" ] && [ ! -e "$initdir/bin/pidof" ] && [ ! -e "$initdir/usr/sbin/pidof" ] && [ ! -e "$initdir/sbin/pidof" ]; then
        inst_simple "$moddir/pidof.sh" /usr/bin/pidof
    fi

    # getarg and getargs (dracut-lib.sh) start dracut-util for every lookup of the command line:
    # about a hundred programs per boot, 2.6 s of a lab boot. Their calls go to getarg.sh's shell
    # functions instead, which read the line as dracut-util does. A dracut-lib.sh that calls
    # dracut-util any other way stays as it is.
    sidus_getarg_in_shell "$initdir/lib/dracut-lib.sh"

    # network-legacy's static ifup looked at the link with six of its sixteen `ip` (~0.35 s of a lab boot)
    sidus_link_wait_in_shell "$initdir/lib/net-lib.sh"

    # dracut's coldplug replays only what an NFS root's initrd uses (coldplug-skip): the rest is
    # replayed once, by the booted root's udev.
    sidus_coldplug_skip "$initdir/init" "$moddir/coldplug-skip"

    # network-legacy's cleanup hook slept 0.1 s at every boot, a dhclient to stop or not: ours
    # waits only after it stopped one (kill-dhclient.sh).
    for r in "$initdir"/lib/dracut/hooks "$initdir"/var/lib/dracut/hooks; do
        r="$r/cleanup/10-kill-dhclient.sh"
        [ -f "$r" ] || continue
        cp "$moddir/kill-dhclient.sh" "$r.sidus" && chmod 0755 "$r.sidus" && mv -f "$r.sidus" "$r"
    done

    # An NFSv3 root (sidus build sets SIDUS_NFS_VERSION=3 when nfs.options pin vers=3): 95nfs
    # mounts it with nolock whatever the options say, so rpcbind and rpc.statd (locking) and
    # rpc.idmapd (NFSv4 names) are three daemons started and killed for nothing.
    if [ "${SIDUS_NFS_VERSION:-}" = 3 ]; then
        for r in rpcbind rpc.statd rpc.idmapd portmap; do
            rm -f "$initdir/usr/sbin/$r" "$initdir/sbin/$r" "$initdir/usr/bin/$r" "$initdir/bin/$r"
        done
        for d in "$initdir"/usr/lib/*-linux-gnu*/libnfsidmap "$initdir"/usr/lib64/libnfsidmap; do
            [ -d "$d" ] && rm -rf "$d"
        done
        libs="$libs libnfsidmap.so.* libevent_core-*.so.* libwrap.so.* libnsl.so.*"
        # and 95nfs's hooks for them: pre-udev's mounts rpc_pipefs (for the NFSv4 and Kerberos
        # daemons) and starts those it finds, cleanup's looks for each (pidof) and moves rpc_pipefs
        # into the root, where systemd mounts its own; the cmdline hook makes rpcbind's state
        # directory (and fails to give it to a user the image lacks). Ten programs run for nothing.
        # The kernel loads sunrpc with nfs when mount.nfs mounts the root.
        for d in "$initdir"/lib/dracut/hooks "$initdir"/var/lib/dracut/hooks; do
            rm -f "$d/pre-udev/99-nfs-start-rpc.sh" "$d/cleanup/99-nfsroot-cleanup.sh"
            r="$d/cmdline/90-parse-nfsroot.sh"
            [ -f "$r" ] || continue
            sed -E -e '/^(mkdir -p|chown [_a-z]+:[_a-z]+|chmod 770) \/var\/lib\/rpcbind$/d' "$r" > "$r.sidus" \
                && chmod --reference="$r" "$r.sidus" && mv -f "$r.sidus" "$r"
            rm -f "$r.sidus"
        done
    fi
    # shellcheck disable=SC2086 # the patterns are globbed inside
    sidus_drop_libs $libs
    return 0
}
