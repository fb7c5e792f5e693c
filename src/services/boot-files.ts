/**
 * The loader each client firmware is sent to, relative to paths.tftp. The publish
 * issue puts these files in the TFTP tree; the DHCP renderers name them.
 */
export const BOOT_FILES = {
  /** SIDUS mapping (option 93 client architecture) */
  bios: 'pxelinux.0',
  efi64: 'efi64/syslinux.efi',
  efi32: 'efi32/syslinux.efi',
  /** proxy mode chains iPXE (as netinstall-alt does), then iPXE fetches the script */
  ipxeBios: 'undionly.kpxe',
  ipxeX64: 'snponly.efi',
  ipxeArm64: 'arm64/snponly.efi',
  ipxeScript: 'sidus.ipxe',
} as const

/** The boot files a DHCP mode sends clients to (what doctor expects in the TFTP tree). */
export function bootFilesFor(mode: 'isc' | 'dnsmasq' | 'proxy'): string[] {
  return mode === 'proxy'
    ? [BOOT_FILES.ipxeBios, BOOT_FILES.ipxeX64, BOOT_FILES.ipxeScript]
    : [BOOT_FILES.bios, BOOT_FILES.efi64, BOOT_FILES.efi32]
}
