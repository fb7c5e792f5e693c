import { parseBootFile } from './kernel.js'

/**
 * The initrd split for iPXE clients (assets/dracut/split-nics.sh): a base without the PCI NIC
 * drivers, the piece of every driver taken out (all.img: base + all = the whole initrd) and one
 * piece per PCI vendor (pci-8086.img). A client pulls the base and its own NIC's piece.
 */

/** where `sidus initrd build` leaves the pieces in a root, relative to the root */
export const rootSplitDir = (kver: string): string => `boot/sidus-nics-${kver}`
/** the sha256 of the initrd the pieces were split from: publish uses them only for that initrd */
export const SPLIT_SOURCE = 'source.sha256'
export const SPLIT_BASE = 'base.img'
export const SPLIT_ALL = 'all.img'
/** the files of a split, as the script names them (vendor ids in lower-case hex, as iPXE prints them) */
export const SPLIT_FILE = /^(base|all|pci-[0-9a-f]{4})\.img$/

/** the tree's directory of all splits, and one kernel's of one instance */
export const TREE_SPLIT_ROOT = 'nics'
export const treeSplitDir = (kver: string, instance: string): string => `${TREE_SPLIT_ROOT}/${kver}@${instance}`

/** the names iPXE gives the two initrds it loads, which the kernel line repeats (initrd=) for EFI stubs */
export const IPXE_SPLIT_NAMES = ['base.img', 'nics.img'] as const

/** `nics/<kver>@<instance>/<piece>` → its kernel version, instance and file; undefined for any other path */
export function parseSplitPath(rel: string): { kver: string; instance: string; file: string } | undefined {
  const parts = rel.split('/')
  if (parts.length !== 3 || parts[0] !== TREE_SPLIT_ROOT || !SPLIT_FILE.test(parts[2])) return undefined
  const boot = parseBootFile(`vmlinuz-${parts[1]}`)
  return boot ? { kver: boot.kver, instance: boot.instance, file: parts[2] } : undefined
}
