
# sidus (99sidus-trim): net-lib.sh's waits for a network link, answered from sysfs by the shell.
# dracut's versions start `ip link show` for every look (and linkup `ip link set up` even for a link
# that is up): six of the sixteen `ip` a static ifup (the firmware's lease on the kernel line)
# started, ~35 ms each under emulation. These are appended to the image's net-lib.sh, so they replace its
# own; each answers as dracut's does (status, the link brought up, _no_carrier_flag), with the same
# rd.net.timeout.* waits. A name sysfs does not list (an altname) is asked of ip as before.
# Flags: /sys/class/net/IF/flags is the device's own (IFF_UP 0x1); `ip` adds RUNNING when the
# operational state is up or unknown, and prints NO-CARRIER for a link that is UP and not RUNNING.

# _sidus_flags := the link's flags as a number; fails where sysfs does not list the name
_sidus_link_flags() {
    _sidus_flags=
    case "$1" in '' | . | .. | */*) return 1 ;; esac
    [ -r "/sys/class/net/$1/flags" ] || return 1
    read -r _sidus_flags < "/sys/class/net/$1/flags" || return 1
    case "$_sidus_flags" in 0x*) ;; *) return 1 ;; esac
    _sidus_flags=$((_sidus_flags))
}

# true when `ip link show up dev IF` would say NO-CARRIER (up, and its operational state not up or unknown)
_sidus_no_carrier() {
    local _state
    if _sidus_link_flags "$1"; then
        [ $((_sidus_flags & 1)) -ne 0 ] || return 1
        [ -r "/sys/class/net/$1/operstate" ] && read -r _state < "/sys/class/net/$1/operstate" || return 1
        case "$_state" in up | unknown) return 1 ;; esac
        return 0
    fi
    strstr "$(ip link show up dev "$1" 2> /dev/null)" "NO-CARRIER"
}

# _sidus_tenths NAME DEFAULT: rd.net.timeout.NAME= (seconds; DEFAULT without it) in tenths, in _sidus_t
_sidus_tenths() {
    _sidus_t=$(getargs "rd.net.timeout.$1=")
    _sidus_t=$((${_sidus_t:-$2} * 10))
}

wait_for_if_link() {
    local cnt=0
    local timeout
    _sidus_tenths iflink 60
    timeout=$_sidus_t

    while [ $cnt -lt $timeout ]; do
        if _sidus_link_flags "$1"; then
            return 0
        fi
        [ -n "$(ip link show dev "$@" 2> /dev/null)" ] && return 0
        sleep 0.1
        cnt=$((cnt + 1))
    done
    return 1
}

wait_for_if_up() {
    local cnt=0
    local li
    local timeout
    _sidus_tenths ifup 20
    timeout=$_sidus_t

    while [ $cnt -lt $timeout ]; do
        if _sidus_link_flags "$1"; then
            [ $((_sidus_flags & 1)) -ne 0 ] && return 0
        else
            li=$(ip link show up dev "$@")
            if [ -n "$li" ]; then
                case "$li" in
                    *\<UP* | *\<*,UP\>* | *\<*,UP,*\>*) return 0 ;;
                esac
            fi
            if strstr "$li" "LOWER_UP" && strstr "$li" "state UNKNOWN" && ! strstr "$li" "DORMANT"; then
                return 0
            fi
        fi
        sleep 0.1
        cnt=$((cnt + 1))
    done
    return 1
}

linkup() {
    wait_for_if_link "$@" 2> /dev/null || return
    # setting an up link up changes nothing: only a link that is down costs a program
    if ! _sidus_link_flags "$1" || [ $((_sidus_flags & 1)) -eq 0 ]; then
        ip link set "$@" up 2> /dev/null || return
    fi
    wait_for_if_up "$@" 2> /dev/null
}

iface_has_carrier() {
    local cnt=0
    local iface="$1"
    local timeout
    local iface_sys_path
    local _carrier
    [ -n "$iface" ] || return 2
    iface_sys_path="/sys/class/net/$iface"
    [ -d "$iface_sys_path" ] || return 2
    _sidus_tenths carrier 10
    timeout=$_sidus_t

    linkup "$1"

    _sidus_no_carrier "$iface" && _no_carrier_flag=1

    while [ $cnt -lt $timeout ]; do
        if [ -n "$_no_carrier_flag" ]; then
            # NO-CARRIER flag was cleared
            _sidus_no_carrier "$iface" || return 0
        elif ! [ -e "$iface_sys_path/carrier" ]; then
            # sysfs not available and "NO-CARRIER" not displayed
            return 0
        fi
        # double check the sysfs carrier flag (unreadable while the link is down)
        _carrier=
        [ -r "$iface_sys_path/carrier" ] && read -r _carrier < "$iface_sys_path/carrier" 2> /dev/null
        [ "$_carrier" = 1 ] && return 0
        sleep 0.1
        cnt=$((cnt + 1))
    done
    return 1
}
