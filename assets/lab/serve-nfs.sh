#!/bin/sh
# sidus lab: start the lab's NFS server (rpcbind + nfs-ganesha) inside the lab's network
# namespace. Run as: ip netns exec <ns> unshare -m --propagation private serve-nfs.sh <ganesha.conf> <log> <ganesha.pid> <rpcbind.pid>
# The private mount namespace gets its own /run: rpcbind's socket and ganesha's state never
# meet the host's (or a real server's) rpcbind. Both daemons detach and keep that namespace alive.
set -eu
conf=$1 log=$2 pidfile=$3 rpcbind_pidfile=$4
mount -t tmpfs -o mode=0755,size=16m sidus-lab-run /run
mkdir -p /run/rpcbind
# rpcbind in the foreground, in the background of this script: its pid is known (lab down and
# restarts stop it by id); -w: warm start files in /run/rpcbind
rpcbind -f -w < /dev/null > /dev/null 2>&1 &
echo $! > "$rpcbind_pidfile"
# ganesha registers with rpcbind as it starts: wait for rpcbind's socket
i=0
while [ ! -S /run/rpcbind.sock ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
exec ganesha.nfsd -L "$log" -f "$conf" -p "$pidfile"
