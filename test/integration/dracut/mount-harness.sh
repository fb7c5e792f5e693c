#!/bin/sh
# Run the real 90sidus mount script the way dracut's pre-pivot does (sourced), with
# dracut-lib's getarg/warn/info and the mount programs replaced by stubs that record
# each call. Run it in a private mount namespace with a tmpfs on /run: the script
# really creates /run/sidus/... and writes /run/sidus/state there.
#
# usage: mount-harness.sh SCRIPT OUTDIR 'kernel command line'
#   FAIL   newline-separated shell patterns: a stubbed call matching one fails
# writes OUTDIR/calls (mount/umount/modprobe, one per line), OUTDIR/messages
# (warn:/info: lines), OUTDIR/state (a copy of /run/sidus/state, when written),
# OUTDIR/dirs (the directories under /run/sidus afterwards)
set -u
script=$1
out=$2
CMDLINE=$3
NEWROOT=/sysroot
: > "$out/calls"
: > "$out/messages"

stub_fails() {
    printf '%s\n' "${FAIL:-}" | {
        while IFS= read -r pattern; do
            [ -n "$pattern" ] || continue
            # shellcheck disable=SC2254
            case "$*" in $pattern) exit 0 ;; esac
        done
        exit 1
    }
}
stub_call() {
    printf '%s\n' "$*" >> "$out/calls"
    if stub_fails "$@"; then return 1; fi
    return 0
}
mount() { stub_call mount "$@"; }
umount() { stub_call umount "$@"; }
modprobe() { stub_call modprobe "$@"; }
warn() { printf 'warn: %s\n' "$*" >> "$out/messages"; }
info() { printf 'info: %s\n' "$*" >> "$out/messages"; }

# dracut's getarg for the two forms the script uses:
#   getarg key=  prints the value of the last key=value, fails when there is none
#   getarg key   succeeds when the bare word (or key=…) is on the command line
getarg() {
    _want=$1
    _found=1
    _value=
    for _word in $CMDLINE; do
        case "$_want" in
            *=)
                case "$_word" in "$_want"*) _value=${_word#"$_want"}; _found=0 ;; esac
                ;;
            *)
                [ "$_word" = "$_want" ] && { _value=; _found=0; }
                case "$_word" in "$_want="*) _value=${_word#"$_want="}; _found=0 ;; esac
                ;;
        esac
    done
    [ "$_found" = 0 ] && echo "$_value"
    return "$_found"
}

# shellcheck disable=SC1090
. "$script"

[ -f /run/sidus/state ] && cp /run/sidus/state "$out/state"
if [ -d /run/sidus ]; then (cd /run/sidus && find . -type d | sort) > "$out/dirs"; fi
exit 0
