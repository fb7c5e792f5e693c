/** The emulated client: QEMU argv for one network boot (pure). */
export interface QemuOptions {
  tap: string
  mac: string
  memoryMb: number
  consoleLog: string
  pidFile: string
  /** UEFI: OVMF's code (read-only) and this boot's own copy of its variables */
  uefi?: { code: string; vars: string }
  /** a kept client reboots as a node does (network boot again); a checked one powers off instead */
  reboot?: boolean
}

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE.fd'
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd'

/**
 * TCG's translation buffer, in MiB. QEMU 7.2 (Debian 12) defaults to 1 GiB, which a boot never fills:
 * every block translated from the initrd's programs stays in it, and once switch_root frees the
 * initramfs, each write into one of its reused pages pays for invalidating the blocks still recorded
 * there (~730,000 in a lab boot, against 36,000 with a flush now and then). That was 25-30 s of the
 * client's early userspace, its vCPU busy in clear_page and QEMU in its block maintenance (`info jit`,
 * perf). A buffer that fills a few times per boot is flushed whole instead: root->login 47.6 -> ~19 s.
 */
export const TCG_TB_SIZE_MB = 256

export function qemuArgv(o: QemuOptions): string[] {
  return [
    'qemu-system-x86_64',
    // KVM is not usable on these machines (guests hang or abort on an MSR): always TCG
    '-accel', `tcg,tb-size=${TCG_TB_SIZE_MB}`,
    '-m', String(o.memoryMb),
    '-smp', '1',
    // QEMU's default model has no RDRAND: the kernel's random pool waited ~9 s for jitter entropy, and
    // the initrd's dhclient with it (any x86 server of the last decade has RDRAND)
    '-cpu', 'qemu64,+rdrand',
    '-display', 'none',
    '-monitor', 'none',
    '-serial', `file:${o.consoleLog}`,
    '-netdev', `tap,id=n0,ifname=${o.tap},script=no,downscript=no`,
    '-device', `virtio-net-pci,netdev=n0,mac=${o.mac}${o.uefi ? ',romfile=' : ''}`,
    ...(o.uefi
      ? ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${o.uefi.code}`, '-drive', `if=pflash,format=raw,unit=1,file=${o.uefi.vars}`]
      : []),
    // network boot only; a reboot ends the run instead of booting again, unless the client is kept
    '-boot', 'order=n',
    ...(o.reboot ? [] : ['-no-reboot']),
    '-daemonize',
    '-pidfile', o.pidFile,
  ]
}

/** the lab client's MAC when none is given: locally administered, in QEMU's 52:54:00 range */
export const DEFAULT_CLIENT_MAC = '52:54:00:5d:00:01'
