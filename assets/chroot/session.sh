#!/bin/bash
# One sidus exec/shell session. src/chroot/session.ts starts it as pid 1 of its own pid and
# mount namespaces:
#   setpriv --pdeathsig KILL -- unshare --mount --propagation private --pid --fork --kill-child=SIGTERM -- bash session.sh …
# Every mount made here lives in the private mount namespace, which dies with its last process;
# every process dies with this one (pid 1); the instance lock is an flock on fd 9 that the kernel
# releases when this process exits. So a session leaves nothing behind, whatever kills it.
#
# Status lines for sidus, appended to --status:
#   pid N | waiting HOLDER | busy HOLDER | ready | started | error MESSAGE
# Exit: the command's status; 128+n when signal n ended the session; 75 when busy with --no-wait;
# 70 when the session could not be set up (an "error" line says why).
set -u
umask 022

if [ "$$" != 1 ]; then
  echo "session.sh: must run as pid 1 of its own pid namespace (sidus starts it)" >&2
  exit 70
fi

root= lock= status= holder= nowait= on_int=forward personality=
policy= policy_asset= resolv_mode= resolv_target= resolv_source=
envs=()
while [ $# -gt 0 ]; do
  case $1 in
    --no-wait) nowait=1; shift; continue ;;
    --) shift; break ;;
    --root) root=$2 ;;
    --lock) lock=$2 ;;
    --status) status=$2 ;;
    --holder) holder=$2 ;;
    --on-int) on_int=$2 ;;          # forward | record (the terminal already delivered it) | ignore
    --personality) personality=$2 ;;
    --policy) policy=$2 ;;          # the root's policy-rc.d, resolved inside the root
    --policy-asset) policy_asset=$2 ;;
    --resolv) resolv_mode=$2 ;;     # bind | copy
    --resolv-target) resolv_target=$2 ;;
    --resolv-source) resolv_source=$2 ;;
    --env) envs+=("$2") ;;
    *) echo "session.sh: unknown option $1" >&2; exit 70 ;;
  esac
  shift 2
done
[ $# -gt 0 ] || { echo "session.sh: no command given" >&2; exit 70; }

report() { printf '%s\n' "$*" >> "$status"; }
fail() { report "error $*"; exit 70; }

# --- signals: pid 1 only receives the signals it has handlers for -------------------------
got= child= interrupted= watchdog= rc=0
on_signal() {
  interrupted=1
  if [ "$1" = INT ]; then
    [ "$on_int" = ignore ] && return
    [ -n "$got" ] || got=INT
    [ "$on_int" = forward ] && [ -n "$child" ] && kill -INT "$child" 2>/dev/null
    return
  fi
  [ -n "$got" ] || got=$1
  if [ -n "$child" ]; then
    kill -"$1" "$child" 2>/dev/null
    # a command that ignores it still ends: kill(-1) from inside reaches every process of
    # the namespace except pid 1
    [ -n "$watchdog" ] || { ( sleep 5; kill -KILL -1 ) & watchdog=$!; }
  fi
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

exit_if_signalled() {
  case $got in
    INT) exit 130 ;;
    TERM) exit 143 ;;
    HUP) exit 129 ;;
  esac
}

# wait for $child across trap interruptions; its status in $rc
wait_child() {
  while :; do
    interrupted=
    wait "$child"; rc=$?
    [ -n "$interrupted" ] && kill -0 "$child" 2>/dev/null || break
  done
  child=
}

created_policy=
cleanup() {
  # whatever the command left running (a daemon despite policy-rc.d) goes now
  kill -KILL -1 2>/dev/null
  if [ -n "$created_policy" ] && cmp -s -- "$policy_asset" "$policy"; then
    rm -f -- "$policy"
  fi
}
trap cleanup EXIT

# our pid as the server sees it (the proc mounted here is still the server's), for signals
read -r hostpid _ < /proc/self/stat
report "pid $hostpid"

# --- the instance lock ------------------------------------------------------------------
# 0600 and only "sidus pid N, since …" in it: nobody else learns what runs in the root (sidus
# made it 0600 before starting us: a chmod process here would cost every session)
umask 077
exec 9>>"$lock" || fail "cannot open the lock file $lock"
umask 022
if ! flock -n 9; then
  who=
  read -r who < "$lock"
  if [ -n "$nowait" ]; then report "busy ${who:-another session}"; exit 75; fi
  report "waiting ${who:-another session}"
  flock 9 &
  child=$!
  wait_child
  exit_if_signalled
  [ "$rc" -eq 0 ] || fail "cannot take the lock $lock"
fi
printf '%s\n' "$holder" > "$lock"
report ready
exit_if_signalled

# --- mounts: sidus resolved every target inside the root; check nothing changed since --------
targets=("$root/proc" "$root/sys" "$root/dev" "$root/run")
[ -n "$policy" ] && targets+=("$policy")
[ "$resolv_mode" = bind ] && targets+=("$resolv_target")
mapfile -t real < <(realpath -m -- "${targets[@]}")
for i in "${!targets[@]}"; do
  [ "${real[$i]:-}" = "${targets[$i]}" ] || fail "${targets[$i]} resolves to ${real[$i]:-nothing}: a session never mounts through a symlink"
done
for d in proc sys dev run; do
  [ -d "$root/$d" ] || mkdir -p -- "$root/$d" || fail "cannot create $root/$d"
done
mount -t proc -o nosuid,nodev,noexec proc "$root/proc" || fail "cannot mount proc on $root/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys" || fail "cannot mount sysfs on $root/sys"
mount --rbind /dev "$root/dev" || fail "cannot bind /dev on $root/dev"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$root/run" || fail "cannot mount a tmpfs on $root/run"
mkdir -m 1777 "$root/run/lock"
private="$root/run/sidus-session"
mkdir -m 755 "$private" || fail "cannot create $private"

# --- the server's resolv.conf: a copy, so writes inside never reach the server's ---------------
resolv_text=
[ -z "$resolv_mode" ] || IFS= read -r -d '' resolv_text < "$resolv_source"
case $resolv_mode in
  copy)  # the root's resolv.conf points into /run, our tmpfs
    mkdir -p -- "${resolv_target%/*}" && printf '%s' "$resolv_text" > "$resolv_target" \
      || fail "cannot write $resolv_target" ;;
  bind)
    printf '%s' "$resolv_text" > "$private/resolv.conf" && mount --bind "$private/resolv.conf" "$resolv_target" \
      || fail "cannot bind the server's resolv.conf over $resolv_target" ;;
esac

# --- policy-rc.d exits 101: services never start --------------------------------------------
if [ -n "$policy" ]; then
  if [ -e "$policy" ] && ! [ -f "$policy" ]; then
    fail "$policy is not a regular file"
  elif [ -f "$policy" ] && ! cmp -s -- "$policy_asset" "$policy"; then
    # the root has its own: cover it for the session; the file itself is never touched
    install -m 755 -- "$policy_asset" "$private/policy-rc.d" \
      && mount --bind "$private/policy-rc.d" "$policy" || fail "cannot bind a policy-rc.d over $policy"
  else
    # none (or ours, left by a session that was killed with its namespace): put ours, remove it after
    tmp="$policy.sidus-$hostpid"
    install -m 755 -- "$policy_asset" "$tmp" && mv -f -- "$tmp" "$policy" \
      || { rm -f -- "$tmp"; fail "cannot write $policy"; }
    created_policy=1
  fi
fi

# --- the command ---------------------------------------------------------------------------------
exit_if_signalled
report started
# from here bash's own job notices ("Killed …") would mix with the command's stderr: silence them
exec 8>&2 2>/dev/null
# absolute paths: env -i looks programs up in the command's PATH, not ours; bash's own table of
# them (hash, BASH_CMDS) spares a subshell per program that $(type -P …) would fork
hash env chroot ${personality:+setarch}
cmd=("${BASH_CMDS[env]-}" --default-signal=INT,QUIT -i "${envs[@]}")
[ -n "$personality" ] && cmd+=("${BASH_CMDS[setarch]-}" "$personality")
cmd+=("${BASH_CMDS[chroot]-}" -- "$root" "$@")
# in the background so the traps run while it works; keep stdin (bash would give it /dev/null),
# and close the lock so only this process holds it
"${cmd[@]}" <&0 2>&8 8>&- 9>&- &
child=$!
wait_child
[ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null
exit_if_signalled
exit "$rc"
