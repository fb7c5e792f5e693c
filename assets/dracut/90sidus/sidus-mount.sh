#!/bin/sh
# sidus-mount.sh: dracut pre-pivot hook (sourced by dracut; POSIX sh).
#
# 95nfs has mounted the NFS root on $NEWROOT (read-only unless its options say rw).
# The kernel command line chooses what this client runs on:
#   sidus=overlay  (default) the NFS root read-only underneath, a tmpfs on top, overlayfs on $NEWROOT
#   sidus=aufs     the same with aufs; overlay, with a console warning, where the kernel has no aufs
#   sidus=rw       the NFS mount itself, read-write: how the master boots; nothing is mounted
#   sidus.size=    size of the tmpfs that carries the changes (2g, 512m, 50%); default 50% of RAM
#
# The layers stay visible in the booted system: /run/sidus/ro (the NFS root) and
# /run/sidus/rw/upper (what this client changed). They are mounted under the initrd's
# /run, which switch_root (dracut's and systemd's alike) moves into the new root with
# every mount below it; the booted systemd keeps that /run rather than mounting another.
# /run/sidus/state says which mode was asked for and which one is in place.
#
# Nothing is remounted through mount.nfs: the NFS options on the command line already
# carry nolock, noatime, … (the stock 90overlay-root's remount prints
# "Failed to find 'tcp' protocol").

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh

SIDUS_RUN=/run/sidus
SIDUS_RO=$SIDUS_RUN/ro
SIDUS_RW=$SIDUS_RUN/rw
SIDUS_DEFAULT_SIZE=50%

# true when the root is on NFS (root=nfs:…, root=nfs4:…, root=/dev/nfs)
sidus_nfs_root() {
    case "$(getarg root=)" in
        nfs:* | nfs4:* | /dev/nfs) return 0 ;;
    esac
    return 1
}

# the mode asked for on the command line; unknown values fall back to overlay
sidus_mode() {
    _sidus_mode=$(getarg sidus=)
    case "$_sidus_mode" in
        '') echo overlay ;;
        overlay | aufs | rw) echo "$_sidus_mode" ;;
        *)
            warn "sidus: unknown sidus=$_sidus_mode (expected overlay, aufs or rw): using overlay"
            echo overlay
            ;;
    esac
}

# the tmpfs size: sidus.size= when it is a tmpfs size (digits, then k, m, g or %)
sidus_size() {
    _sidus_size=$(getarg sidus.size=)
    _sidus_digits=${_sidus_size%[kKmMgG%]}
    case "$_sidus_digits" in
        '')
            [ -n "$_sidus_size" ] && warn "sidus: ignoring sidus.size=$_sidus_size (not a size such as 2g, 512m or 50%): using $SIDUS_DEFAULT_SIZE"
            echo "$SIDUS_DEFAULT_SIZE"
            ;;
        *[!0-9]*)
            warn "sidus: ignoring sidus.size=$_sidus_size (not a size such as 2g, 512m or 50%): using $SIDUS_DEFAULT_SIZE"
            echo "$SIDUS_DEFAULT_SIZE"
            ;;
        *) echo "$_sidus_size" ;;
    esac
}

# true when the NFS root was mounted read-write (rw in its options, or rw on the command line)
sidus_nfs_rw() {
    _sidus_opts=$(getarg root=)
    _sidus_opts=${_sidus_opts#*:}  # server:path:options
    _sidus_opts=${_sidus_opts#*:}  # path:options
    case "$_sidus_opts" in
        *:*) _sidus_opts=${_sidus_opts#*:} ;;
        *) _sidus_opts= ;;
    esac
    getarg ro > /dev/null && return 1
    getarg rw > /dev/null && return 0
    case ",$_sidus_opts," in
        *,rw,*) return 0 ;;
    esac
    return 1
}

# a fresh tmpfs with upper/ and work/ at $SIDUS_RW, then the NFS root moved to $SIDUS_RO
# (mount --move fails when the parent mount is shared, as under systemd: bind, then umount).
# Until the last step $NEWROOT still holds the NFS root, so a failure leaves a bootable root.
sidus_layers() {
    mkdir -p "$SIDUS_RO" "$SIDUS_RW" || return 1
    mount -t tmpfs -o "mode=0755,size=$1" sidus-rw "$SIDUS_RW" || return 1
    mkdir -p "$SIDUS_RW/upper" "$SIDUS_RW/work" || return 1
    mount --bind "$NEWROOT" "$SIDUS_RO" || return 1
    umount "$NEWROOT"
}

sidus_overlay() {
    modprobe overlay
    mount -t overlay -o "noatime,lowerdir=$SIDUS_RO,upperdir=$SIDUS_RW/upper,workdir=$SIDUS_RW/work" sidus "$NEWROOT"
}

sidus_aufs() {
    mount -t aufs -o "noatime,br=$SIDUS_RW/upper=rw:$SIDUS_RO=ro" sidus "$NEWROOT"
}

# a layer could not be mounted: boot the NFS root read-only rather than not at all
sidus_give_up() {
    warn "sidus: could not mount the $1 layer: booting the NFS root read-only, without a writable layer"
    mount --bind "$SIDUS_RO" "$NEWROOT"
}

sidus_state() {
    mkdir -p "$SIDUS_RUN"
    {
        echo "requested=$1"
        echo "mode=$2"
        echo "size=$3"
    } > "$SIDUS_RUN/state"
}

sidus_main() {
    sidus_nfs_root || return 0
    _sidus_requested=$(sidus_mode)

    if [ "$_sidus_requested" = rw ]; then
        sidus_nfs_rw || warn "sidus: sidus=rw but the NFS root is mounted read-only: add rw to the NFS options of root="
        info "sidus: rw mode, the root is the NFS mount itself"
        sidus_state rw rw ""
        return 0
    fi

    _sidus_mode=overlay
    if [ "$_sidus_requested" = aufs ]; then
        if modprobe aufs; then
            _sidus_mode=aufs
        else
            warn "sidus: aufs is not available in kernel $(uname -r): falling back to overlay"
        fi
    fi

    _sidus_size=$(sidus_size)
    if ! sidus_layers "$_sidus_size"; then
        warn "sidus: could not set up the layers under $SIDUS_RUN: booting the NFS root as mounted"
        sidus_state "$_sidus_requested" none ""
        return 0
    fi
    if "sidus_$_sidus_mode"; then
        info "sidus: $_sidus_mode mode, NFS root at $SIDUS_RO, changes in a ${_sidus_size} tmpfs at $SIDUS_RW/upper"
        sidus_state "$_sidus_requested" "$_sidus_mode" "$_sidus_size"
    else
        sidus_give_up "$_sidus_mode"
        sidus_state "$_sidus_requested" ro ""
    fi
}

sidus_main
