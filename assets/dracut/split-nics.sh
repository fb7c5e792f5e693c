#!/bin/sh
# sidus: split a built initrd for iPXE clients, who pull only their own NIC's driver.
# Runs inside the root (its own cpio, zstd, awk), after `sidus initrd build`:
#   split-nics.sh <kver> <initrd> <out-dir>
# writes into <out-dir> (a new directory):
#   base.img      the initrd without its NIC drivers (and with its early cpio, when it has one)
#   all.img       every driver taken out of base: base + all = the whole initrd
#   pci-VVVV.img  the drivers of PCI vendor VVVV's NICs (lower-case hex, as iPXE's
#                 ${pci/<busloc>.0.2} prints it), with the moved modules they depend on
#                 (USB, PC Card, Hyper-V and Xen NIC drivers are in all.img only)
#   source.sha256 the sha256 of the initrd this was split from (publish checks it)
# The kernel unpacks concatenated archives in order: base, then one piece.
set -eu
kver=$1 img=$2 out=$3
[ ! -e "$out" ] || { echo "split-nics: $out exists" >&2; exit 2; }
work=$(mktemp -d /tmp/sidus-split.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/x" "$work/pieces"

# an early cpio (microcode) in front stays in front of base, byte for byte
early=0
if [ -x /usr/lib/dracut/skipcpio ]; then
  early=$(( $(wc -c <"$img") - $(/usr/lib/dracut/skipcpio "$img" | wc -c) ))
fi
magic=$(tail -c +$((early + 1)) "$img" | head -c 4 | od -An -tx1 | tr -d ' \n')
# the pieces are compressed as the image is (a root without zstd: dracut's gzip)
case $magic in
  28b52ffd) unpack='zstd -dcq' compress='zstd -19 -q -T1 -c' compress_base='zstd -19 -q -T0 -c' ;;
  1f8b*) unpack='gzip -dc' compress='gzip -9 -n -c' compress_base=$compress ;;
  *) echo "split-nics: $img is neither zstd nor gzip after its early part ($magic): not split" >&2; exit 3 ;;
esac
tail -c +$((early + 1)) "$img" | $unpack | (cd "$work/x" && cpio -idm --quiet --no-absolute-filenames)

mods=usr/lib/modules/$kver
[ -d "$work/x/$mods" ] || mods=lib/modules/$kver
[ -f "$work/x/$mods/modules.dep" ] || { echo "split-nics: no $mods/modules.dep in $img" >&2; exit 3; }

# "<vendor> <module path>" per piece, "all <module path>" for every moved module. Moved, from drivers/net:
#  - a PCI NIC driver whose every PCI alias names a vendor (virtio-net: 1af4, the vendor of every virtio
#    PCI device): into its vendors' pieces; a driver that matches any vendor stays in base;
#  - a USB, PC Card, Hyper-V or Xen NIC driver: into all.img only (iPXE loads all.img for a NIC off PCI);
#  - a library of theirs (no alias of its own) that nothing but moved modules uses.
awk -v OFS=' ' '
  FNR == 1 { file++ }
  function modname(p,  n) { n = p; sub(/^.*\//, "", n); sub(/\.ko(\..*)?$/, "", n); gsub(/-/, "_", n); return n }
  file == 1 {
    p = $1; sub(/:$/, "", p); n = modname(p); path[n] = p
    deps[n] = ""; for (i = 2; i <= NF; i++) { d = modname($i); deps[n] = deps[n] " " d; users[d] = users[d] " " n }
    next
  }
  $1 == "alias" { aliased[$3] = 1 }
  $1 == "alias" && $2 ~ /^pci:v/ { v = tolower(substr($2, 10, 4)); if (substr($2, 6, 1) == "*") wild[$3] = 1; else vend[$3] = vend[$3] " " v; next }
  $1 == "alias" && $2 ~ /^virtio:d00000001v/ { vend[$3] = vend[$3] " 1af4"; next }
  $1 == "alias" && $2 ~ /^(usb|pcmcia|vmbus|xen):/ { offpci[$3] = 1 }
  function add(v, n,  k, d, i) {
    if (!(n in moved) || ((v, n) in inpiece)) return
    inpiece[v, n] = 1; print v, path[n]
    k = split(deps[n], d, " "); for (i = 1; i <= k; i++) add(v, d[i])
  }
  END {
    for (n in path) {
      if (path[n] !~ /^kernel\/drivers\/net\// || (n in wild)) continue
      if ((n in vend) || (n in offpci)) moved[n] = 1
    }
    do {
      changed = 0
      for (n in path) {
        if ((n in moved) || (n in aliased) || !(n in users) || path[n] !~ /^kernel\/drivers\/net\//) continue
        k = split(users[n], u, " "); only = 1
        for (i = 1; i <= k; i++) if (!(u[i] in moved)) { only = 0; break }
        if (only) { moved[n] = 1; changed = 1 }
      }
    } while (changed)
    for (n in moved) { print "all", path[n]; k = split(vend[n], vs, " "); for (i = 1; i <= k; i++) add(vs[i], n) }
  }
' "$work/x/$mods/modules.dep" "$work/x/$mods/modules.alias" | sort -u >"$work/pieces.txt"
[ -s "$work/pieces.txt" ] || { echo "split-nics: no PCI NIC driver in $img: not split" >&2; exit 3; }

mkdir "$out.tmp"
trap 'rm -rf "$work" "$out.tmp"' EXIT
for v in $(cut -d' ' -f1 "$work/pieces.txt" | sort -u); do
  grep "^$v " "$work/pieces.txt" | cut -d' ' -f2 | sed "s|^|$mods/|" >"$work/pieces/$v"
done
# one piece per core (each small enough for one zstd thread), with the modules' own paths
(cd "$work/pieces" && ls -S) | xargs -P 2 -I '{}' sh -c '
  case $1 in all) name=all.img ;; *) name=pci-$1.img ;; esac
  (cd "$2/x" && cpio -o -H newc --quiet -R 0:0 <"$2/pieces/$1") | $4 >"$3/$name"
' split-nics '{}' "$work" "$out.tmp" "$compress"
# base: the rest, moved modules deleted from the unpacked tree (it is ours, in /tmp)
(cd "$work/x" && xargs rm -f <"$work/pieces/all")
(cd "$work/x" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort) >"$work/base.list"
head -c "$early" "$img" >"$out.tmp/base.img"
(cd "$work/x" && cpio -o -H newc --quiet -R 0:0 <"$work/base.list") | $compress_base >>"$out.tmp/base.img"
sha256sum <"$img" | cut -d' ' -f1 >"$out.tmp/source.sha256"
mv "$out.tmp" "$out"
trap 'rm -rf "$work"' EXIT
