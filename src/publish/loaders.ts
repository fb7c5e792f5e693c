import { access } from 'node:fs/promises'
import path from 'node:path'
import { MissingPackageError } from '../errors.js'
import {
  BIOS_LOADER, EFI32_LOADER, EFI64_LOADER, GRUB_NET_LOADER, IPXE_BIOS_LOADER, IPXE_EFI_LOADER, IPXE_SNP_LOADER, SECURE_BOOT_LOADER,
} from './tree.js'

/** A boot loader file copied from the server's Debian packages into the TFTP tree. */
export interface LoaderFile { dest: string; source: string; pkg: string }

const SYSLINUX_MODULES = ['libcom32.c32', 'libutil.c32', 'menu.c32', 'vesamenu.c32']

/** Every loader file the menus need, and the Debian package each comes from. */
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
 * The loader files with their sources resolved under `hostRoot` ('/' on a server).
 * Every missing source is checked first so the error names all the packages to install.
 */
export async function resolveLoaders(hostRoot = '/'): Promise<LoaderFile[]> {
  const resolved = LOADER_FILES.map((l) => ({ ...l, source: path.join(hostRoot, l.source) }))
  const missing: LoaderFile[] = []
  for (const l of resolved) {
    try { await access(l.source) } catch { missing.push(l) }
  }
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((l) => l.pkg))]
    const files = missing.map((l) => l.source).join(', ')
    throw new MissingPackageError(missing[0].dest, pkgs.join(' '),
      `boot loader files missing on this server (${files}): package${pkgs.length > 1 ? 's' : ''} ${pkgs.join(', ')} not installed`)
  }
  return resolved
}
