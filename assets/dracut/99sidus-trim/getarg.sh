
# sidus (99sidus-trim): dracut-lib's getarg and getargs without a program per lookup.
# dracut 059's getarg() and getargs() run dracut-util (as dracut-getarg, dracut-getargs) for
# every lookup: about a hundred programs started per boot, 2.6 s of a lab boot's 8.4 s in the
# initrd. These functions read $CMDLINE as dracut-util does, with the shell alone: the kernel's
# next_arg (blanks end a parameter, "..." keeps them, the first = after the first character
# splits the key from the value, a value's quotes dropped), the last key=value wins.
# 99sidus-trim puts this file into the image's dracut-lib.sh, after its first line, and points
# getarg() and getargs() at _sidus_getarg and _sidus_getargs; dracut-util stays in the image.

# The kernel's blanks (isspace: space, \t \n \v \f \r, and 0xA0)
_sidus_blanks=$(printf ' \t\n\v\f\r\240.')
_sidus_blanks=${_sidus_blanks%.}

# _sidus_param TOKEN QUOTED: key, value and whether it has one (_sidus_k, _sidus_v, _sidus_h)
# of one parameter as next_arg cut it (its opening quote skipped, QUOTED=1 if it had one).
_sidus_param() {
    local _t="$1" _first _rest _cleared=0
    _first=${_t%"${_t#?}"}
    _rest=${_t#?}
    case $_rest in
        *=*)
            _sidus_h=1
            _sidus_k=$_first${_rest%%=*}
            _sidus_v=${_rest#*=}
            ;;
        *)
            _sidus_h=0
            _sidus_k=$_t
            _sidus_v=
            ;;
    esac
    # a value that opens with a quote loses it, and its closing one if the parameter ends with one;
    # else a parameter that opened with a quote loses its closing one
    if [ "$_sidus_h" = 1 ]; then
        case $_sidus_v in
            '"'*)
                _sidus_v=${_sidus_v#?}
                case $_t in
                    *'"')
                        _cleared=1
                        [ -z "$_sidus_v" ] || _sidus_v=${_sidus_v%?}
                        ;;
                esac
                ;;
        esac
    fi
    [ "$_cleared" = 0 ] && [ "$2" = 1 ] || return 0
    case $_t in *'"') ;; *) return 0 ;; esac
    if [ "$_sidus_h" = 1 ]; then
        _sidus_v=${_sidus_v%?}
    else
        _sidus_k=${_sidus_k%?}
    fi
    return 0
}

# _sidus_each KEY CALLBACK: CALLBACK for each parameter of $CMDLINE whose key is KEY, with
# _sidus_h and _sidus_v set.
_sidus_each() {
    local _key="$1" _cb="$2" _tok _rest _seg _c _quoted _inq _noglob=0
    # no parameter can be named KEY where KEY does not occur at all (most lookups)
    case $CMDLINE in *"$_key"*) ;; *) return 0 ;; esac
    case $CMDLINE in
        *'"'*) ;;
        *)
            # no quote: the blanks alone cut the parameters, and the key is what precedes the first =
            case $- in *f*) _noglob=1 ;; esac
            set -f
            local IFS="$_sidus_blanks"
            # shellcheck disable=SC2086 # split on the kernel's blanks on purpose
            for _tok in $CMDLINE; do
                case $_tok in
                    "$_key") _sidus_h=0 _sidus_v= ;;
                    "$_key"=*) _sidus_h=1 _sidus_v=${_tok#"$_key"=} ;;
                    *) continue ;;
                esac
                _sidus_k=$_key
                "$_cb"
            done
            [ "$_noglob" = 1 ] || set +f
            return 0
            ;;
    esac
    # quotes: next_arg's walk, a run of plain characters at a time
    _rest=$CMDLINE
    while :; do
        while :; do
            case $_rest in
                ["$_sidus_blanks"]*) _rest=${_rest#?} ;;
                *) break ;;
            esac
        done
        [ -n "$_rest" ] || return 0
        _tok= _quoted=0 _inq=0
        case $_rest in '"'*) _rest=${_rest#?} _quoted=1 _inq=1 ;; esac
        while [ -n "$_rest" ]; do
            _seg=${_rest%%[\"$_sidus_blanks]*}
            _tok=$_tok$_seg
            _rest=${_rest#"$_seg"}
            [ -n "$_rest" ] || break
            _c=${_rest%"${_rest#?}"}
            _rest=${_rest#?}
            if [ "$_c" = '"' ]; then
                _tok=$_tok$_c
                _inq=$((1 - _inq))
            elif [ "$_inq" = 1 ]; then
                _tok=$_tok$_c
            else
                break
            fi
        done
        _sidus_param "$_tok" "$_quoted"
        [ "$_sidus_k" != "$_key" ] || "$_cb"
    done
}

_sidus_getarg_seen() {
    _sidus_seen=1
    _sidus_end_set=$_sidus_h
    _sidus_end=$_sidus_v
}

# _sidus_getarg KEY[=[VALUE]]: dracut-getarg's answer. KEY: status 0 if present; the value of
# its last key=value printed unless that last one is bare. KEY=VALUE: status 0 if that last
# value is VALUE.
_sidus_getarg() {
    local _sidus_seen=0 _sidus_end_set=0 _sidus_end= _want _wantv= _sidus_k _sidus_v _sidus_h
    if [ -z "${CMDLINE+set}" ]; then
        printf 'ERROR: %s\nUsage: dracut-getarg <KEY>[=[<VALUE>]]\n' "CMDLINE env not set" >&2
        return 1
    fi
    if [ $# -ne 1 ]; then
        printf 'ERROR: %s\nUsage: dracut-getarg <KEY>[=[<VALUE>]]\n' "Number of arguments invalid" >&2
        return 1
    fi
    _want=${1%%=*}
    case $1 in *=*) _wantv=${1#*=} ;; esac
    if [ -z "$_want" ]; then
        printf 'ERROR: %s\nUsage: dracut-getarg <KEY>[=[<VALUE>]]\n' "search key undefined" >&2
        return 1
    fi
    _sidus_each "$_want" _sidus_getarg_seen
    if [ -n "$_wantv" ]; then
        [ "$_sidus_end_set" = 1 ] && [ "$_sidus_end" = "$_wantv" ]
        return
    fi
    if [ "$_sidus_end_set" = 1 ]; then
        printf '%s\n' "$_sidus_end"
        return 0
    fi
    [ "$_sidus_seen" = 1 ]
}

_sidus_getargs_seen() {
    if [ -n "$_wantv" ]; then
        # (dracut-util compares a bare KEY's missing value and crashes: no match here)
        [ "$_sidus_h" = 1 ] && [ "$_sidus_v" = "$_wantv" ] || return 0
        printf '%s\n' "$_sidus_v"
    elif [ "$_sidus_h" = 1 ]; then
        printf '%s\n' "$_sidus_v"
    else
        printf '%s\n' "$_sidus_k"
    fi
    _sidus_seen=1
}

# _sidus_getargs KEY[=[VALUE]]: dracut-getargs' answer: each value of KEY (a bare KEY prints
# KEY) one a line, or each value equal to VALUE; status 0 if any.
_sidus_getargs() {
    local _sidus_seen=0 _want _wantv= _sidus_k _sidus_v _sidus_h
    if [ -z "${CMDLINE+set}" ]; then
        printf 'ERROR: %s\nUsage: dracut-getargs <KEY>[=]\n' "CMDLINE env not set" >&2
        return 1
    fi
    if [ $# -ne 1 ]; then
        printf 'ERROR: %s\nUsage: dracut-getargs <KEY>[=]\n' "Number of arguments invalid" >&2
        return 1
    fi
    _want=${1%%=*}
    case $1 in *=*) _wantv=${1#*=} ;; esac
    if [ -z "$_want" ]; then
        printf 'ERROR: %s\nUsage: dracut-getargs <KEY>[=]\n' "search key undefined" >&2
        return 1
    fi
    _sidus_each "$_want" _sidus_getargs_seen
    [ "$_sidus_seen" = 1 ]
}
