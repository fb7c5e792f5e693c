#!/bin/sh
# pgrep NAME, as the initrd's scripts call it (network-legacy's dhcp-multi.sh: `pgrep dhclient`):
# the ids of the processes whose name is NAME. Installed by sidus-trim as the image's pgrep in
# place of procps' one, which alone linked libproc2 -> libsystemd -> libgcrypt, lz4 (~1 MiB).
# Only that form: anything else is refused loudly rather than answered wrongly.
if [ "$#" -ne 1 ] || [ "${1#-}" != "$1" ]; then
    echo "pgrep (sidus initrd): only 'pgrep NAME' is supported" >&2
    exit 2
fi
found=1
for d in /proc/[0-9]*; do
    read -r name < "$d/comm" 2> /dev/null || continue
    [ "$name" = "$1" ] || continue
    echo "${d#/proc/}"
    found=0
done
exit "$found"
