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

root= lock= status= holder= nowait= on_int=forward personality= fstab= loadables=
policy= policy_asset= resolv_mode= resolv_target= resolv_source=
envs=()
while [ $# -gt 0 ]; do
  case $1 in
    --no-wait) nowait=1; shift; continue ;;
    --) shift; break ;;
    --root) root=$2 ;;
    --lock) lock=$2 ;;
    --status) status=$2 ;;
    --fstab) fstab=$2 ;;            # a scratch file of sidus's: the table each `mount -a` reads
    --loadables) loadables=$2 ;;    # where bash's loadable builtins are (Debian: bash-builtins)
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

# --- processes are the cost of a session: realpath, mkdir, ln and rm as bash's loadable builtins ---
# (Debian's bash-builtins), all four or none: the programs of the same names otherwise. Loaded by
# absolute path only: bash's own search path for them ends with the current directory.
builtins=
if [ -n "$loadables" ]; then
  builtins=1
  for b in realpath mkdir ln rm; do
    [ -f "$loadables/$b" ] && enable -f "$loadables/$b" "$b" 2>/dev/null || { builtins=; break; }
  done
  [ -n "$builtins" ] || enable -d realpath mkdir ln rm 2>/dev/null
fi

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

created_policy= policy_text= policy_tmp=
# policy-rc.d is ours when it holds our text, byte for byte (no cmp process): read no more of it
# than that text's length and one (-N drops NUL bytes), then make sure it holds no NUL either
is_our_policy() {
  [ -f "$policy" ] || return 1
  REPLY=
  IFS= read -r -N "$((${#policy_text} + 1))" REPLY < "$policy"
  [ "$REPLY" = "$policy_text" ] && ! IFS= read -r -d '' REPLY < "$policy"
}
cleanup() {
  # whatever the command left running (a daemon despite policy-rc.d) goes now
  kill -KILL -1 2>/dev/null
  [ -z "$policy_tmp" ] || rm -f -- "$policy_tmp"
  if [ -n "$created_policy" ] && is_our_policy; then
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
if [ -n "$builtins" ]; then
  # the builtin resolves existing paths only: a target is itself no symlink, and its directory
  # resolves to itself (realpath -m's answer, for a target that may not exist yet)
  real=()
  for t in "${targets[@]}"; do
    if [ -L "$t" ] || ! realpath -q -a dir -- "${t%/*}"; then real+=("a symlink"); else real+=("${dir[0]}/${t##*/}"); fi
  done
else
  mapfile -t real < <(realpath -m -- "${targets[@]}")
fi
for i in "${!targets[@]}"; do
  [ "${real[$i]:-}" = "${targets[$i]}" ] || fail "${targets[$i]} resolves to ${real[$i]:-nothing}: a session never mounts through a symlink"
done
for d in proc sys dev run; do
  [ -d "$root/$d" ] || mkdir -p -- "$root/$d" || fail "cannot create $root/$d"
done

# fstab's escapes for a path: space, tab, newline and backslash in octal
fstab_path() { REPLY=${1//\\/\\134}; REPLY=${REPLY// /\\040}; REPLY=${REPLY//$'\t'/\\011}; REPLY=${REPLY//$'\n'/\\012}; }
# one `mount` process for a whole table of "source target type options" lines (each mount is
# a process otherwise); the sources are "sidus": mount -a skips an entry whose source is
# already mounted on its target, which must never leave the server's own mount in our place
mount_table() {
  local what=$1 line out; shift
  : > "$fstab" || fail "cannot write the mount table $fstab"
  for line in "$@"; do printf '%s 0 0\n' "$line" >> "$fstab"; done
  out=$(LC_ALL=C exec mount -a -v --fstab "$fstab" 2>&1) || fail "cannot mount $what: ${out//$'\n'/ }"
  [[ $out != *": already mounted"* ]] || fail "cannot mount $what: ${out//$'\n'/ } (something of the server's is mounted in the root: umount it)"
}
fstab_path "$root"; r=$REPLY
mount_table "proc, sysfs, /dev, a tmpfs /run and /run/lock under $root" \
  "sidus $r/proc proc nosuid,nodev,noexec" \
  "sidus $r/sys sysfs ro,nosuid,nodev,noexec" \
  "/dev $r/dev none rbind" \
  "sidus $r/run tmpfs mode=755,nosuid,nodev" \
  "sidus $r/run/lock tmpfs mode=1777,nosuid,nodev,X-mount.mkdir"
private="$root/run/sidus-session"
binds=()
private_dir() { [ -d "$private" ] || mkdir -m 755 -- "$private" || fail "cannot create $private"; }

# --- the server's resolv.conf: a copy, so writes inside never reach the server's ---------------
resolv_text=
[ -z "$resolv_mode" ] || IFS= read -r -d '' resolv_text < "$resolv_source"
case $resolv_mode in
  copy)  # the root's resolv.conf points into /run, our tmpfs
    mkdir -p -- "${resolv_target%/*}" && printf '%s' "$resolv_text" > "$resolv_target" \
      || fail "cannot write $resolv_target" ;;
  bind)
    private_dir
    printf '%s' "$resolv_text" > "$private/resolv.conf" || fail "cannot write $private/resolv.conf"
    fstab_path "$private/resolv.conf"; src=$REPLY; fstab_path "$resolv_target"
    binds+=("$src $REPLY none bind") ;;
esac

# --- policy-rc.d exits 101: services never start --------------------------------------------
if [ -n "$policy" ]; then
  IFS= read -r -d '' policy_text < "$policy_asset"
  [ -n "$policy_text" ] || fail "cannot read $policy_asset"
  if [ -e "$policy" ] && ! [ -f "$policy" ]; then
    fail "$policy is not a regular file"
  elif [ -f "$policy" ] && ! { [ -x "$policy" ] && is_our_policy; }; then
    # the root has its own: cover it for the session; the file itself is never touched
    private_dir
    install -m 755 -- "$policy_asset" "$private/policy-rc.d" || fail "cannot write $private/policy-rc.d"
    fstab_path "$private/policy-rc.d"; src=$REPLY; fstab_path "$policy"
    binds+=("$src $REPLY none bind")
  elif [ -f "$policy" ]; then
    # ours, left by a session that was killed with its namespace: it stays, and goes after
    created_policy=1
  else
    # none: put ours (complete before it has its name), remove it after
    policy_tmp="$policy.sidus-$hostpid"
    if [ -n "$builtins" ]; then
      install -m 755 -- "$policy_asset" "$policy_tmp" && ln -- "$policy_tmp" "$policy"
    else
      install -m 755 -- "$policy_asset" "$policy_tmp" && mv -f -- "$policy_tmp" "$policy"
    fi || fail "cannot write $policy"
    created_policy=1
    [ -z "$builtins" ] || rm -f -- "$policy_tmp"
    policy_tmp=
  fi
fi
[ "${#binds[@]}" -eq 0 ] || mount_table "the session's resolv.conf and policy-rc.d over the root's" "${binds[@]}"

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
