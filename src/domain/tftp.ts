import { INSTANCE_NAME_BODY } from './instance-name.js'
import { DASHED_MAC_BODY, macDashed } from './mac.js'

/**
 * Names in the TFTP tree (paths relative to paths.tftp): the loaders per client
 * firmware, the menus, the masters' per-MAC files. Publish writes these names and the
 * DHCP renderers hand them out, so both take them from here.
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
/** `sidus serve`: the script DHCP hands iPXE over HTTP (http://<server>:<http.port>/ipxe/boot.ipxe); it chains the card's own, below */
export const HTTP_BOOT_SCRIPT = 'ipxe/boot.ipxe'
/** `sidus serve`'s route of one card's script, any usual MAC spelling (the tree's own ipxe/01-… files are not it) */
export const HTTP_MAC_SCRIPT = /^ipxe\/([0-9A-Fa-f:.-]+)\.ipxe$/
export const PXELINUX_MENU_DIR = 'pxelinux.cfg'
export const PXELINUX_MENU = `${PXELINUX_MENU_DIR}/default`
export const GRUB_MENU = 'grub/grub.cfg'
/** UEFI syslinux resolves names against its own directory: these hold links to the shared files */
export const EFI_DIRS = ['efi32', 'efi64'] as const

/** A loader file copied from the server's Debian packages into the tree. */
export interface LoaderFile { dest: string; source: string; pkg: string }

const SYSLINUX_MODULES = ['libcom32.c32', 'libutil.c32', 'menu.c32', 'vesamenu.c32']

/**
 * Every loader file publish installs, and the Debian package it comes from. Debian's
 * ipxe package is built for x86 only (undionly.kpxe, ipxe.efi, snponly.efi): there is
 * no ARM64 iPXE to hand out, so no DHCP mode offers one.
 */
export const LOADER_FILES: LoaderFile[] = [
  { dest: BIOS_LOADER, source: '/usr/lib/PXELINUX/pxelinux.0', pkg: 'pxelinux' },
  { dest: 'ldlinux.c32', source: '/usr/lib/syslinux/modules/bios/ldlinux.c32', pkg: 'syslinux-common' },
  ...SYSLINUX_MODULES.map((m) => ({ dest: m, source: `/usr/lib/syslinux/modules/bios/${m}`, pkg: 'syslinux-common' })),
  { dest: EFI64_LOADER, source: '/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi', pkg: 'syslinux-efi' },
  { dest: 'efi64/ldlinux.e64', source: '/usr/lib/syslinux/modules/efi64/ldlinux.e64', pkg: 'syslinux-common' },
  ...SYSLINUX_MODULES.map((m) => ({ dest: `efi64/${m}`, source: `/usr/lib/syslinux/modules/efi64/${m}`, pkg: 'syslinux-common' })),
  { dest: EFI32_LOADER, source: '/usr/lib/SYSLINUX.EFI/efi32/syslinux.efi', pkg: 'syslinux-efi' },
  { dest: 'efi32/ldlinux.e32', source: '/usr/lib/syslinux/modules/efi32/ldlinux.e32', pkg: 'syslinux-common' },
  ...SYSLINUX_MODULES.map((m) => ({ dest: `efi32/${m}`, source: `/usr/lib/syslinux/modules/efi32/${m}`, pkg: 'syslinux-common' })),
  { dest: IPXE_BIOS_LOADER, source: '/usr/lib/ipxe/undionly.kpxe', pkg: 'ipxe' },
  { dest: IPXE_EFI_LOADER, source: '/usr/lib/ipxe/ipxe.efi', pkg: 'ipxe' },
  { dest: IPXE_SNP_LOADER, source: '/usr/lib/ipxe/snponly.efi', pkg: 'ipxe' },
  { dest: SECURE_BOOT_LOADER, source: '/usr/lib/shim/shimx64.efi.signed', pkg: 'shim-signed' },
  { dest: GRUB_NET_LOADER, source: '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed', pkg: 'grub-efi-amd64-signed' },
]

/**
 * The file DHCP sends each client to, per client firmware (option 93). Full DHCP (ISC,
 * dnsmasq) sends the SIDUS syslinux loaders; proxy DHCP chains iPXE (as netinstall-alt
 * does), then iPXE (user class iPXE) fetches the script. Every name is one publish writes.
 */
export const DHCP_BOOT_FILES = {
  bios: BIOS_LOADER,
  efi64: EFI64_LOADER,
  efi32: EFI32_LOADER,
  ipxeBios: IPXE_BIOS_LOADER,
  ipxeX64: IPXE_SNP_LOADER,
  ipxeScript: IPXE_SCRIPT,
} as const

export type DhcpMode = 'isc' | 'dnsmasq' | 'proxy'
export type BootLoader = 'ipxe-http' | 'pxelinux'

/**
 * What full DHCP (ISC, dnsmasq) sends firmware per architecture. pxelinux: the SIDUS
 * syslinux loaders. ipxe-http: iPXE (undionly.kpxe, snponly.efi), which then asks again
 * with user class iPXE and gets the HTTP script URL; Debian has no ia32 EFI iPXE, so
 * EFI ia32 keeps syslinux.
 */
export function firmwareBootFiles(loader: BootLoader): { bios: string; efi64: string; efi32: string } {
  const b = DHCP_BOOT_FILES
  return loader === 'ipxe-http' ? { bios: b.ipxeBios, efi64: b.ipxeX64, efi32: b.efi32 } : { bios: b.bios, efi64: b.efi64, efi32: b.efi32 }
}

/** The boot files in the TFTP tree a DHCP mode sends clients to (what doctor expects in the tree). */
export function bootFilesFor(mode: DhcpMode, loader: BootLoader = 'pxelinux'): string[] {
  const b = DHCP_BOOT_FILES
  if (mode === 'proxy') return loader === 'ipxe-http' ? [b.ipxeBios, b.ipxeX64] : [b.ipxeBios, b.ipxeX64, b.ipxeScript]
  const f = firmwareBootFiles(loader)
  return [f.bios, f.efi64, f.efi32]
}

/** The per-MAC files of a master or a node (canonical MAC). */
export function masterFiles(mac: string): { pxelinux: string; ipxe: string; grub: string } {
  const dashed = macDashed(mac)
  return {
    pxelinux: `${PXELINUX_MENU_DIR}/01-${dashed}`,
    ipxe: `ipxe/01-${dashed}.ipxe`,
    grub: `grub/grub.cfg-01-${dashed}`,
  }
}

/** where per-MAC files live, and how their names look, for pruning stale ones */
export const MASTER_FILE_PATTERNS: { dir: string; pattern: RegExp }[] = [
  { dir: PXELINUX_MENU_DIR, pattern: new RegExp(`^01-${DASHED_MAC_BODY}$`) },
  { dir: 'ipxe', pattern: new RegExp(`^01-${DASHED_MAC_BODY}\\.ipxe$`) },
  { dir: 'grub', pattern: new RegExp(`^grub\\.cfg-01-${DASHED_MAC_BODY}$`) },
]

/** Menus and master files: the text files whose changes a dry run shows as diffs. */
export const isMenuFile = (rel: string): boolean => /(^|\/)(pxelinux\.cfg|grub|ipxe)\/|\.ipxe$/.test(rel)

/** First-lines marker of a master file sidus wrote: only such files are ever pruned. */
export const MASTER_MARKER = 'sidus master of '
export const masterMarker = (instance: string, mac: string): string => `${MASTER_MARKER}${instance} (${mac}): written by sidus, do not edit`
/** First-lines marker of a node's own file (nodes.yaml gives it another instance, mode or arguments than the menu). */
export const NODE_MARKER = 'sidus node '
export const nodeMarker = (name: string, instance: string, mac: string): string => `${NODE_MARKER}${name} booting ${instance} (${mac}): written by sidus, do not edit`
/** Whether a per-MAC file's first lines say sidus wrote it for a node of the inventory. */
export const isNodeFile = (head: string): boolean => new RegExp(`${NODE_MARKER}[a-z0-9-]+ booting ${INSTANCE_NAME_BODY} `).test(head)
/** The instance a master file's first lines name, when sidus wrote it. */
export function markedInstance(head: string): string | undefined {
  return new RegExp(`${MASTER_MARKER}(${INSTANCE_NAME_BODY}) `).exec(head)?.[1]
}
