#!/bin/sh
# pidof NAME..., as the initrd's scripts call it (95nfs's hooks: `pidof rpcbind`, network-legacy's
# net-lib: `pidof udevd`): the ids of the processes whose name is NAME (its last path part, cut to
# the 15 characters the kernel keeps in /proc/<pid>/comm), on one line; status 1 when none.
# Installed by sidus-trim when the image has no pidof: dracut-lib then defines one of its own that
# runs readlink -f once per process (a fork and an exec each: ~0.17 s a call under emulation, and
# 95nfs's cleanup hook makes three, 0.5 s of every lab boot). This one reads /proc with the shell
# alone. Options (-s, -x, -o ...) are refused loudly rather than answered wrongly.
if [ "$#" -eq 0 ]; then
    echo "pidof (sidus initrd): usage: pidof NAME..." >&2
    exit 2
fi
# each name as comm holds it (its last path part, its first 15 characters), once, before the scan
given=$#
for want in "$@"; do
    case "$want" in
        -*)
            echo "pidof (sidus initrd): only 'pidof NAME...' is supported" >&2
            exit 2
            ;;
    esac
    want=${want##*/}
    if [ "${#want}" -gt 15 ]; then
        cut=${want#???????????????}
        want=${want%"$cut"}
    fi
    set -- "$@" "$want"
done
shift "$given"
found=''
for d in /proc/[0-9]*; do
    read -r name < "$d/comm" 2> /dev/null || continue
    for want in "$@"; do
        if [ "$name" = "$want" ]; then
            found="$found${found:+ }${d#/proc/}"
            break
        fi
    done
done
[ -n "$found" ] || exit 1
echo "$found"
