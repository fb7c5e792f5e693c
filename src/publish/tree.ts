/**
 * Names in the TFTP tree (paths relative to paths.tftp). The one place they are built,
 * so the services renderers (DHCP boot file names) and the lab agree with publish.
 */
export const BIOS_LOADER = 'pxelinux.0'
export const EFI64_LOADER = 'efi64/syslinux.efi'
export const EFI32_LOADER = 'efi32/syslinux.efi'
export const IPXE_BIOS_LOADER = 'undionly.kpxe'
export const IPXE_EFI_LOADER = 'ipxe.efi'
export const IPXE_SNP_LOADER = 'snponly.efi'
/** Secure Boot: shim loads grubx64.efi from its own directory; GRUB then reads grub/grub.cfg (prefix /grub). */
export const SECURE_BOOT_LOADER = 'shimx64.efi'
export const GRUB_NET_LOADER = 'grubx64.efi'
/** the iPXE script iPXE is told to run (DHCP user class iPXE) */
export const IPXE_SCRIPT = 'sidus.ipxe'
export const PXELINUX_MENU = 'pxelinux.cfg/default'
export const GRUB_MENU = 'grub/grub.cfg'
/** UEFI syslinux resolves names against its own directory: these hold links to the shared files */
export const EFI_DIRS = ['efi32', 'efi64'] as const

/** kernel versions we publish: what Debian names them, nothing a menu or URI would misread */
export const KERNEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/

export const kernelFile = (kver: string, instance: string) => `vmlinuz-${kver}@${instance}`
export const initrdFile = (kver: string, instance: string) => `initrd.img-${kver}@${instance}`

/** `vmlinuz-6.1.0-50-amd64@bookworm64` → {kind, kver, instance}; undefined for anything else */
export function parseBootFile(file: string): { kind: 'kernel' | 'initrd'; kver: string; instance: string } | undefined {
  const m = /^(vmlinuz|initrd\.img)-(.+)@([a-z][a-z0-9-]{0,31})$/.exec(file)
  if (!m || !KERNEL_VERSION.test(m[2])) return undefined
  return { kind: m[1] === 'vmlinuz' ? 'kernel' : 'initrd', kver: m[2], instance: m[3] }
}

/** The per-MAC files of a master; `dashed` is `aa-bb-cc-dd-ee-ff`. */
export function masterFiles(dashed: string): { pxelinux: string; ipxe: string; grub: string } {
  return {
    pxelinux: `pxelinux.cfg/01-${dashed}`,
    ipxe: `ipxe/01-${dashed}.ipxe`,
    grub: `grub/grub.cfg-01-${dashed}`,
  }
}

/** where per-MAC files live, and how their names look, for pruning stale ones */
export const MASTER_FILE_PATTERNS: { dir: string; pattern: RegExp }[] = [
  { dir: 'pxelinux.cfg', pattern: /^01-([0-9a-f]{2}-){5}[0-9a-f]{2}$/ },
  { dir: 'ipxe', pattern: /^01-([0-9a-f]{2}-){5}[0-9a-f]{2}\.ipxe$/ },
  { dir: 'grub', pattern: /^grub\.cfg-01-([0-9a-f]{2}-){5}[0-9a-f]{2}$/ },
]

/** First-lines marker of a master file sidus wrote: only such files are ever pruned. */
export const MASTER_MARKER = 'sidus master of '
export const masterMarker = (instance: string, mac: string) => `${MASTER_MARKER}${instance} (${mac}): written by sidus, do not edit`
