#!/bin/sh
# sidus (99sidus-trim): network-legacy's cleanup hook (10-kill-dhclient.sh), waiting only for a
# dhclient it stopped. dracut's slept 0.1 s (and started sleep for it) at every boot, dhclient or
# none; an iPXE client hands the initrd its lease and runs none.

stopped=
for f in /tmp/dhclient.*.pid; do
    [ -e "$f" ] || continue
    read -r PID < "$f"
    kill "$PID" > /dev/null 2>&1 && stopped=1
done

[ -z "$stopped" ] || sleep 0.1

for f in /tmp/dhclient.*.pid; do
    [ -e "$f" ] || continue
    read -r PID < "$f"
    kill -9 "$PID" > /dev/null 2>&1
done
