#!/bin/sh
# expr substr STRING POS LEN, as the initrd's scripts call it (network-legacy's
# 98-parse-ip-opts.sh, for enx<MAC> interface names). Installed by sidus-trim as the image's
# expr in place of coreutils' one, which alone linked libgmp (~0.25 MiB compressed).
# Only that form: anything else is refused loudly rather than answered wrongly.
if [ "$#" -ne 4 ] || [ "$1" != substr ]; then
    echo "expr (sidus initrd): only 'expr substr STRING POS LEN' is supported" >&2
    exit 2
fi
awk -v s="$2" -v p="$3" -v n="$4" 'BEGIN {
    if (p !~ /^[0-9]+$/ || n !~ /^[0-9]+$/) { print "expr: non-integer argument" > "/dev/stderr"; exit 2 }
    r = (p > 0 && n > 0) ? substr(s, p, n) : ""
    print r
    exit (r == "") ? 1 : 0
}'
