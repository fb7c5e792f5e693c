import type { BootMode, SidusConfig } from '../config/schema.js'
import { SIDUS_NFS_OPTIONS } from '../config/schema.js'
import { ConfigError } from '../errors.js'
import { rootDir } from '../state/layout.js'

export interface CommandLineOptions {
  instance: string
  mode: BootMode
  /** the initrd's file name(s) as the loader knows them; puts `initrd=<name>` first (pxelinux and EFI stubs read it) */
  initrd?: string | readonly string[]
  /** a node's own tmpfs size (sidus.size=), instead of boot.tmpfs_size */
  tmpfsSize?: string
  /** a node's own kernel arguments, after the instance's */
  extraArgs?: string
  /**
   * 'firmware': the line is iPXE's, which hands the initrd the lease it booted with (IPXE_FIRMWARE_LEASE)
   * instead of `ip=dhcp`, unless boot.firmware_lease is false; default 'dhcp' (pxelinux, GRUB)
   */
  lease?: LeaseSource
}

/** Where the initrd's address comes from: its own DHCP (`ip=dhcp`) or the lease iPXE booted with. */
export type LeaseSource = 'dhcp' | 'firmware'

/**
 * The lease iPXE booted with, in dracut's words, for iPXE to fill in as it runs the kernel line: the
 * boot NIC by its MAC (BOOTIF, pxelinux's form: only that NIC is brought up), its address, gateway,
 * netmask and DHCP host name, set up as given (`none`). dracut then runs no DHCP client of its own
 * (dhclient's exchange and the initqueue pass that waited 0.5 s for the mount it queued: ~1.5 s of a
 * lab boot); sidus.lease=firmware tells the initrd's arping2 that the address is a fresh lease, not
 * an admin's static one, so its duplicate probe is skipped as it is for dhclient's (sidus.dad=1 keeps it).
 */
export const IPXE_FIRMWARE_LEASE = 'BOOTIF=01-${netX/mac:hexhyp} ip=${netX/ip}::${netX/gateway}:${netX/netmask}:${hostname}::none sidus.lease=firmware'

/** The widest IPXE_FIRMWARE_LEASE iPXE can make of it (a DHCP host name of 63 characters), for the length check. */
const IPXE_FIRMWARE_LEASE_WIDEST = IPXE_FIRMWARE_LEASE.replace('${netX/mac:hexhyp}', 'ff-ff-ff-ff-ff-ff')
  .replace(/\$\{netX\/(?:ip|gateway|netmask)\}/g, '255.255.255.255').replace('${hostname}', 'h'.repeat(63))

/** Whether an instance's iPXE entries hand the initrd iPXE's lease (boot.firmware_lease, default true). */
export function usesFirmwareLease(config: SidusConfig): boolean {
  return config.boot.firmware_lease !== false
}

/**
 * The kernel command line, the contract with the dracut module:
 * `initrd=… ip=dhcp root=nfs:<server>:<roots>/<name>:<options> sidus=<mode> [sidus.size=…] console=… <extra> <instance extra>`
 * (iPXE's: IPXE_FIRMWARE_LEASE in place of ip=dhcp). The master (rw) differs only by `sidus=rw` and `rw` in the NFS options.
 */
export function kernelCommandLine(config: SidusConfig, options: CommandLineOptions): string {
  const { instance, mode } = options
  const nfsOptions = nfsMountOptions(config.nfs.options || SIDUS_NFS_OPTIONS, mode)
  const scheme = /(^|,)(nfs)?vers=4/.test(nfsOptions) ? 'nfs4' : 'nfs'
  const parts: string[] = []
  for (const name of typeof options.initrd === 'string' ? [options.initrd] : options.initrd ?? []) parts.push(`initrd=${name}`)
  parts.push(options.lease === 'firmware' && usesFirmwareLease(config) ? IPXE_FIRMWARE_LEASE : 'ip=dhcp', `root=${scheme}:${config.server.address}:${rootDir(config, instance)}:${nfsOptions}`, `sidus=${mode}`)
  const size = options.tmpfsSize ?? config.boot.tmpfs_size
  if (size) parts.push(`sidus.size=${size}`)
  if (config.boot.console.trim()) parts.push(`console=${config.boot.console.trim()}`)
  if (config.boot.extra_args.trim()) parts.push(config.boot.extra_args.trim())
  const own = config.instances[instance]?.extra_args?.trim()
  if (own) parts.push(own)
  if (options.extraArgs?.trim()) parts.push(options.extraArgs.trim())
  const line = parts.join(' ')
  // a newline or control character would end the menu line and let the rest be read as loader directives
  // eslint-disable-next-line no-control-regex -- control characters are what this check refuses
  if (/[\u0000-\u001f\u007f]/.test(line)) {
    throw new ConfigError(`the kernel command line of ${instance} contains a control character`, {
      suggestion: `remove line breaks and control characters from boot.extra_args and instances.${instance}.extra_args`,
    })
  }
  return line
}

/** The NFS options for a mode: the master mounts read-write, everyone else read-only. */
export function nfsMountOptions(options: string, mode: BootMode): string {
  const list = options.split(',').map((o) => o.trim()).filter((o) => o && o !== 'ro' && o !== 'rw')
  if (mode === 'rw') list.push('rw')
  return list.join(',')
}

/**
 * Split a kernel command line the way the kernel does: on blanks, except inside
 * double quotes (quotes are kept in the tokens).
 */
export function splitKernelArgs(line: string): string[] {
  const out: string[] = []
  let current = ''
  let quoted = false
  for (const ch of line) {
    if (ch === '"') quoted = !quoted
    if (!quoted && /\s/.test(ch)) {
      if (current) out.push(current)
      current = ''
    } else current += ch
  }
  if (current) out.push(current)
  return out
}

/**
 * syslinux hands the kernel `BOOT_IMAGE=<kernel> <append>` and neither it nor an x86
 * kernel takes more than 2047 bytes (COMMAND_LINE_SIZE 2048 with its NUL; menu.c32's
 * MAX_CMDLINE_LEN is 2048 too): a longer line is cut, silently losing the last arguments.
 */
export const PXELINUX_CMDLINE_MAX = 2047

export function checkCommandLineLength(instance: string, kernel: string, append: string): void {
  const length = 'BOOT_IMAGE='.length + kernel.length + 1 + Buffer.byteLength(append.replace(IPXE_FIRMWARE_LEASE, IPXE_FIRMWARE_LEASE_WIDEST))
  if (length > PXELINUX_CMDLINE_MAX) {
    throw new ConfigError(`the kernel command line of ${instance} is ${length} bytes with the loader's BOOT_IMAGE=${kernel}; boot loaders and the kernel cut it at ${PXELINUX_CMDLINE_MAX}`, {
      suggestion: `shorten boot.extra_args or instances.${instance}.extra_args by at least ${length - PXELINUX_CMDLINE_MAX} bytes`,
    })
  }
}
