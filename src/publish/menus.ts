import { ipxeHazard } from '../config/args.js'
import { ConfigError } from '../errors.js'
import type { BootMode, SidusConfig } from '../config/schema.js'
import type { MasterEntry } from '../state/masters.js'
import { checkCommandLineLength, IPXE_FIRMWARE_LEASE, kernelCommandLine, splitKernelArgs, type LeaseSource } from './cmdline.js'
import { fill, type MenuTemplates } from './templates.js'
import { masterMarker, nodeMarker } from '../domain/tftp.js'
import { IPXE_SPLIT_NAMES, SPLIT_ALL, SPLIT_BASE } from '../domain/nic-split.js'

/**
 * Pure menu renderers: plain data in, text out. They never read the disk; the
 * templates come from assets/menus through loadMenuTemplates().
 */

/**
 * A kernel present in the TFTP tree: file names relative to the tree's root; `pieces`: the directory
 * of its split initrd (base + one NIC vendor's drivers, for iPXE), when publish put one there.
 */
export interface PublishedKernel { kver: string; kernel: string; initrd: string; pieces?: string }
/** kernels newest first */
export interface MenuInstance { name: string; kernels: PublishedKernel[] }
export interface MenuModel { config: SidusConfig; instances: MenuInstance[] }

const BANNER = 'written by sidus publish from the roots and sidus.yaml; edits are overwritten'
/** the modes every client may pick; rw belongs to the master's own file only */
export const MENU_MODES: BootMode[] = ['overlay', 'aufs']

interface Entry { label: string; title: string; kernel: PublishedKernel; cmdline: string; ipxeCmdline: string }

function entries(model: MenuModel): Entry[] {
  const out: Entry[] = []
  for (const inst of model.instances) {
    inst.kernels.forEach((k, i) => {
      const modes = i === 0 ? MENU_MODES : (['overlay'] as BootMode[])
      for (const mode of modes) {
        out.push({
          label: i === 0 ? `${inst.name}-${mode}` : `${inst.name}-${k.kver}-${mode}`,
          title: `${inst.name} ${k.kver}: ${mode === 'overlay' ? 'overlay (changes kept in RAM)' : 'aufs (changes kept in RAM)'}`,
          kernel: k,
          cmdline: commandLine(model.config, inst.name, mode, k),
          ipxeCmdline: commandLine(model.config, inst.name, mode, k, ipxeInitrdNames(k), 'firmware'),
        })
      }
    })
  }
  return out
}

function commandLine(config: SidusConfig, instance: string, mode: BootMode, k: PublishedKernel, initrd: string | readonly string[] = k.initrd, lease: LeaseSource = 'dhcp'): string {
  const line = kernelCommandLine(config, { instance, mode, initrd, lease })
  checkCommandLineLength(instance, k.kernel, line)
  return line
}

/** The initrds iPXE loads, by the names the kernel line gives them (initrd=, read by EFI stubs). */
function ipxeInitrdNames(k: PublishedKernel): string | readonly string[] {
  return k.pieces ? IPXE_SPLIT_NAMES : k.initrd
}

/**
 * iPXE's initrd line(s): the whole initrd, or, when it was split, the base and the piece of the
 * NIC iPXE booted from (its PCI vendor id; every moved driver when the NIC is not on PCI or its
 * vendor has no piece).
 */
function ipxeInitrdLines(k: PublishedKernel, t: MenuTemplates): string {
  if (!k.pieces) return `initrd /${k.initrd}`
  const [base_name, nics_name] = IPXE_SPLIT_NAMES
  return fill(t.ipxeInitrdSplit, { dir: `/${k.pieces}`, base_name, nics_name, base: SPLIT_BASE, all: SPLIT_ALL }).trimEnd()
}

/** The default entry: default_instance (else the first instance) in the default mode (rw is never a menu default). */
export function defaultLabel(model: MenuModel): string {
  const menu = menuDefault(model)
  return menu ? `${menu.instance}-${menu.mode}` : 'local'
}

/** What the menu boots by default: the instance and mode of defaultLabel, or undefined (local boot). */
export function menuDefault(model: MenuModel): { instance: string; mode: BootMode } | undefined {
  const wanted = model.instances.find((i) => i.name === model.config.default_instance && i.kernels.length > 0)
  const first = wanted ?? model.instances.find((i) => i.kernels.length > 0)
  if (!first) return undefined
  return { instance: first.name, mode: MENU_MODES.includes(model.config.boot.default_mode) ? model.config.boot.default_mode : 'overlay' }
}

/** `console=ttyS0,115200` → unit 0 at 115200 baud, so loader menus show on a serial console too */
export function serialConsole(config: SidusConfig): { unit: number; baud: number } | undefined {
  const m = /(?:^|\s|console=)ttyS(\d+)(?:,(\d+))?/.exec(config.boot.console)
  return m ? { unit: Number(m[1]), baud: Number(m[2] ?? 9600) } : undefined
}

/**
 * A command line iPXE reads as written but for the settings sidus puts in it itself (IPXE_FIRMWARE_LEASE),
 * or a refusal (the config check says it first, with file:line).
 */
function ipxeSafe(cmdline: string): string {
  const hazard = ipxeHazard(cmdline.replace(IPXE_FIRMWARE_LEASE, 'ip=dhcp'))
  if (hazard) throw new ConfigError(`a kernel command line holds ${hazard}: ${cmdline}`, { suggestion: 'remove it from boot.extra_args, boot.console or instances.<name>.extra_args' })
  return cmdline
}

export function renderPxelinuxDefault(model: MenuModel, t: MenuTemplates): string {
  const serial = serialConsole(model.config)
  return fill(t.pxelinuxDefault, {
    banner: BANNER,
    serial: serial ? `SERIAL ${serial.unit} ${serial.baud}\n` : '',
    // TIMEOUT 0 would wait for ever: 0 s means "at once", i.e. one tenth
    timeout_ds: Math.max(1, Math.round(model.config.boot.timeout * 10)),
    default: defaultLabel(model),
    entries: entries(model).map((e) => fill(t.pxelinuxEntry, { label: e.label, title: e.title, kernel: e.kernel.kernel, cmdline: e.cmdline })).join(''),
  })
}

export function renderIpxeScript(model: MenuModel, t: MenuTemplates): string {
  const list = entries(model)
  return fill(t.ipxeScript, {
    banner: BANNER,
    items: list.map((e) => fill(t.ipxeItem, { label: e.label, title: e.title })).join('').trimEnd(),
    default: defaultLabel(model),
    timeout_ms: Math.max(1, Math.round(model.config.boot.timeout * 1000)),
    entries: list.map((e) => fill(t.ipxeEntry, { label: e.label, kernel: `/${e.kernel.kernel}`, cmdline: ipxeSafe(e.ipxeCmdline), initrd: ipxeInitrdLines(e.kernel, t) })).join(''),
  })
}

export function renderGrubConfig(model: MenuModel, t: MenuTemplates): string {
  return fill(t.grubConfig, {
    banner: BANNER,
    timeout: Math.max(0, Math.round(model.config.boot.timeout)),
    default: defaultLabel(model),
    serial: grubSerial(model.config),
    entries: entries(model).map((e) => fill(t.grubEntry, {
      title: e.title, label: e.label, kernel: `/${e.kernel.kernel}`, cmdline: grubArgs(e.cmdline), initrd: `/${e.kernel.initrd}`,
    })).join(''),
  })
}

/** The master's three per-MAC files, booting its root read-write on its newest kernel. */
export function renderMasterFiles(config: SidusConfig, master: MasterEntry, kernel: PublishedKernel, t: MenuTemplates): { pxelinux: string; ipxe: string; grub: string } {
  const label = `${master.instance}-rw`
  const cmdline = commandLine(config, master.instance, 'rw', kernel)
  const marker = masterMarker(master.instance, master.mac)
  const serial = serialConsole(config)
  return {
    pxelinux: fill(t.pxelinuxMaster, {
      marker, instance: master.instance, serial: serial ? `SERIAL ${serial.unit} ${serial.baud}\n` : '', label, kernel: kernel.kernel, cmdline,
    }),
    ipxe: fill(t.ipxeMaster, {
      marker, instance: master.instance, kernel: `/${kernel.kernel}`,
      cmdline: ipxeSafe(commandLine(config, master.instance, 'rw', kernel, ipxeInitrdNames(kernel), 'firmware')), initrd: ipxeInitrdLines(kernel, t),
    }),
    grub: fill(t.grubMaster, {
      marker, instance: master.instance, label, serial: grubSerial(config),
      title: `${master.instance} ${kernel.kver}: read-write (master)`, kernel: `/${kernel.kernel}`, cmdline: grubArgs(cmdline), initrd: `/${kernel.initrd}`,
    }),
  }
}

/** What a node's own files boot: its instance and mode, its own arguments and tmpfs size. */
export interface NodeBoot { name: string; mac: string; instance: string; mode: BootMode; extra_args?: string; tmpfs_size?: string }

/** A node's three per-MAC files, booting what nodes.yaml gives it on its instance's newest kernel. */
export function renderNodeFiles(config: SidusConfig, node: NodeBoot, kernel: PublishedKernel, t: MenuTemplates): { pxelinux: string; ipxe: string; grub: string } {
  const label = `${node.instance}-${node.mode}`
  const line = (initrd: string | readonly string[], lease: LeaseSource = 'dhcp') => {
    const cmdline = kernelCommandLine(config, { instance: node.instance, mode: node.mode, initrd, tmpfsSize: node.tmpfs_size, extraArgs: node.extra_args, lease })
    checkCommandLineLength(node.instance, kernel.kernel, cmdline)
    return cmdline
  }
  const cmdline = line(kernel.initrd)
  const common = { marker: nodeMarker(node.name, node.instance, node.mac), name: node.name, instance: node.instance, mode: node.mode }
  const serial = serialConsole(config)
  return {
    pxelinux: fill(t.pxelinuxNode, { ...common, serial: serial ? `SERIAL ${serial.unit} ${serial.baud}\n` : '', label, kernel: kernel.kernel, cmdline }),
    ipxe: fill(t.ipxeNode, { ...common, kernel: `/${kernel.kernel}`, cmdline: ipxeSafe(line(ipxeInitrdNames(kernel), 'firmware')), initrd: ipxeInitrdLines(kernel, t) }),
    grub: fill(t.grubNode, {
      ...common, label, serial: grubSerial(config), title: `${node.name}: ${node.instance} ${kernel.kver} (${node.mode})`,
      kernel: `/${kernel.kernel}`, cmdline: grubArgs(cmdline), initrd: `/${kernel.initrd}`,
    }),
  }
}

function grubSerial(config: SidusConfig): string {
  const serial = serialConsole(config)
  return serial ? `serial --unit=${serial.unit} --speed=${serial.baud}\nterminal_input serial console\nterminal_output serial console\n` : ''
}

/**
 * GRUB parses the linux line like a shell and re-quotes arguments holding blanks in
 * double quotes for the kernel (2.06 cmdline.c). So: drop the kernel-style quotes and
 * single-quote any word GRUB would otherwise expand or split.
 */
export function grubArgs(cmdline: string): string {
  return splitKernelArgs(cmdline).map((word) => {
    const bare = word.replace(/"/g, '')
    return /^[A-Za-z0-9_.,:=/@+%~-]+$/.test(bare) ? bare : `'${bare.replace(/'/g, `'\\''`)}'`
  }).join(' ')
}
