import { INSTANCE_NAME_BODY } from './instance-name.js'

/**
 * A kernel version sidus works with, as Debian names them (6.1.0-50-amd64): it starts
 * with a digit, holds nothing a menu, a URI or a shell would misread, and is not a
 * leftover of dpkg or of an admin (.old, .bak, .dpkg-tmp, …).
 */
export const KERNEL_VERSION = /^(?!.*\.(?:old|bak|orig|dpkg-[a-z]+)$)[0-9][A-Za-z0-9._+~-]*$/

export const isKernelVersion = (kver: string): boolean => KERNEL_VERSION.test(kver)

/** A root's own /boot names. */
export const rootInitrdName = (kver: string): string => `initrd.img-${kver}`

/** `vmlinuz-<kver>` in a root's /boot → its version; undefined for anything else (vmlinuz, vmlinuz.old, initrd…). */
export function parseRootKernelName(file: string): string | undefined {
  const kver = /^vmlinuz-(.+)$/.exec(file)?.[1]
  return kver !== undefined && isKernelVersion(kver) ? kver : undefined
}

/** Names in the TFTP tree: the instance after @, so every root's kernels live side by side. */
export const kernelFile = (kver: string, instance: string): string => `vmlinuz-${kver}@${instance}`
export const initrdFile = (kver: string, instance: string): string => `initrd.img-${kver}@${instance}`

const BOOT_FILE = new RegExp(`^(vmlinuz|initrd\\.img)-(.+)@(${INSTANCE_NAME_BODY})$`)

/** `vmlinuz-6.1.0-50-amd64@bookworm64` → {kind, kver, instance}; undefined for anything else */
export function parseBootFile(file: string): { kind: 'kernel' | 'initrd'; kver: string; instance: string } | undefined {
  const m = BOOT_FILE.exec(file)
  if (!m || !isKernelVersion(m[2])) return undefined
  return { kind: m[1] === 'vmlinuz' ? 'kernel' : 'initrd', kver: m[2], instance: m[3] }
}

/** Natural order for kernel versions: 6.1.0-10 after 6.1.0-9. */
export function compareVersions(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? []
  const pb = b.match(/\d+|\D+/g) ?? []
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i]
    const y = pb[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    if (x === y) continue
    const nx = /^\d/.test(x)
    const ny = /^\d/.test(y)
    if (nx && ny) return Number(x) - Number(y) || x.localeCompare(y)
    return x < y ? -1 : 1
  }
  return 0
}
