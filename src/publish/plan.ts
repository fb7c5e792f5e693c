import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { splitsNics, type SidusConfig } from '../config/schema.js'
import { NotFoundError } from '../errors.js'
import { isDirectory } from '../fs.js'
import { rootDir } from '../state/layout.js'
import type { MasterEntry, MasterRegistry } from '../state/masters.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { listRootNames } from '../state/roots.js'
import { resolveLoaders } from './loaders.js'
import { menuDefault, MENU_MODES, renderGrubConfig, renderIpxeScript, renderMasterFiles, renderNodeFiles, renderPxelinuxDefault, type MenuInstance, type NodeBoot, type PublishedKernel } from './menus.js'
import { closeBoot, scanBoot, type BootKernel } from '../domain/boot-scan.js'
import { publishedKernels, scanTree } from './scan.js'
import { openSplit } from './split.js'
import { treeSplitDir } from '../domain/nic-split.js'
import type { MenuTemplates } from './templates.js'
import { initrdFile, kernelFile, parseBootFile } from '../domain/kernel.js'
import { EFI_DIRS, GRUB_MENU, IPXE_SCRIPT, MASTER_FILE_PATTERNS, PXELINUX_MENU, PXELINUX_MENU_DIR, isNodeFile, markedInstance, masterFiles } from '../domain/tftp.js'
import type { ResolvedNode } from '../inventory/model.js'
import type { TreeEntry } from './writer.js'

/**
 * What the TFTP tree should hold, from the config, the roots' /boot, the master
 * registry and the host's loader packages. Planning reads the disk (the roots, the
 * tree as it is, the loader files) but writes nothing; the menus themselves are
 * rendered by pure functions (menus.ts). `scope` names the instances whose kernels
 * are copied (and pruned) now; the others keep what the tree has.
 */
export interface TreePlan {
  desired: TreeEntry[]
  /** relative paths that must go: stale kernels of instances in scope, stale master files */
  removals: string[]
  /** the menu's view: every instance with its kernels after the change */
  instances: MenuInstance[]
  warnings: string[]
  /** the root files the copies read from stay open until the plan is applied: close them then */
  close(): Promise<void>
}

export interface PlanOptions {
  /** instances to copy from their roots; undefined = every root */
  scope?: string[]
  /** instances to take out of the tree entirely (delete) */
  exclude?: string[]
  /** where the loader packages are installed ('/' on a server; tests point elsewhere) */
  hostRoot?: string
  /** false: leave the boot loaders as they are (unpublishing must not need their packages) */
  loaders?: boolean
  masters: MasterRegistry
  /** the inventory's nodes: those that boot otherwise than the menu get per-MAC files */
  nodes?: ResolvedNode[]
  templates: MenuTemplates
}

export async function planTree(config: SidusConfig, options: PlanOptions): Promise<TreePlan> {
  const opened: BootKernel[] = []
  try {
    return await planTreeInto(config, options, opened)
  } catch (error) {
    await closeBoot(opened)
    throw error
  }
}

async function planTreeInto(config: SidusConfig, options: PlanOptions, opened: BootKernel[]): Promise<TreePlan> {
  const warnings: string[] = []
  const warn = (line: string) => warnings.push(line)
  const tftp = config.paths.tftp
  const exclude = new Set(options.exclude ?? [])
  const roots = (await listRootNames(config)).filter((n) => !exclude.has(n))
  const scope = options.scope === undefined ? roots : options.scope.map((n) => checkInstanceName(n))
  for (const name of scope) {
    if (!roots.includes(name)) {
      throw new NotFoundError(`no instance ${name}: ${rootDir(config, name)} does not exist`, {
        suggestion: 'see `sidus list` for the instances, or create it with `sidus create ' + name + '`',
      })
    }
  }
  const tree = await scanTree(tftp)
  // boot files of instances whose root is gone (removed outside sidus) go too; not when
  // paths.roots itself is missing (storage not mounted): that says nothing about the roots
  const rootsThere = await isDirectory(config.paths.roots)
  const gone = rootsThere ? [...tree.keys()].filter((n) => !roots.includes(n) && !exclude.has(n)).sort() : []
  if (!rootsThere && tree.size > 0) warn(`${config.paths.roots} does not exist (storage not mounted?): boot files in the tree are kept as they are`)
  const drop = new Set([...exclude, ...gone])
  const efiListing = new Map<string, string[]>()
  for (const dir of EFI_DIRS) efiListing.set(dir, await readdir(path.join(tftp, dir)).catch(() => []))

  const desired: TreeEntry[] = []
  const removals: string[] = []
  const kernelsOf = new Map<string, PublishedKernel[]>()
  for (const name of [...scope, ...drop]) {
    const scanned = drop.has(name) ? [] : await scanBoot(rootDir(config, name), { warn })
    opened.push(...scanned)
    const boot = scanned.filter((k) => {
      if (k.initrd) return true
      warn(`${k.vmlinuz.path} has no initrd.img-${k.kver}: not published (build it with \`sidus initrd build ${name}\`)`)
      return false
    })
    if (!drop.has(name) && boot.length === 0) warn(`${name}: no kernel with an initrd in ${rootDir(config, name)}/boot; nothing to boot`)
    const files = new Set<string>()
    const split = splitsNics(config, name)
    for (const k of boot) {
      for (const [file, source] of [[kernelFile(k.kver, name), k.vmlinuz], [initrdFile(k.kver, name), k.initrd!]] as const) {
        files.add(file)
        desired.push({ kind: 'copy', path: file, source: source.path, from: source.handle })
        for (const dir of EFI_DIRS) desired.push({ kind: 'link', path: `${dir}/${file}`, target: `../${file}` })
      }
      k.pieces = split ? await openSplit(rootDir(config, name), k, warn) : undefined
      for (const piece of k.pieces ?? []) {
        const file = `${treeSplitDir(k.kver, name)}/${path.basename(piece.rel)}`
        files.add(file)
        desired.push({ kind: 'copy', path: file, source: piece.path, from: piece.handle })
      }
    }
    if (!drop.has(name)) {
      kernelsOf.set(name, boot.map((k) => ({
        kver: k.kver, kernel: kernelFile(k.kver, name), initrd: initrdFile(k.kver, name), ...(k.pieces ? { pieces: treeSplitDir(k.kver, name) } : {}),
      })))
    }
    // prune what the root no longer has: only this instance's own @name files
    for (const [kver, e] of tree.get(name) ?? []) {
      for (const [present, file] of [[e.kernel, kernelFile(kver, name)], [e.initrd, initrdFile(kver, name)]] as const) {
        if (present && !files.has(file)) removals.push(file)
      }
      for (const piece of e.pieces) if (!files.has(`${treeSplitDir(kver, name)}/${piece}`)) removals.push(`${treeSplitDir(kver, name)}/${piece}`)
    }
    for (const dir of EFI_DIRS) {
      for (const f of efiListing.get(dir)!) {
        if (parseBootFile(f)?.instance === name && !files.has(f)) removals.push(`${dir}/${f}`)
      }
    }
  }
  for (const name of gone) warn(`${name}: its root ${rootDir(config, name)} is gone; its boot files are removed from the tree`)

  const instances: MenuInstance[] = roots.map((name) => ({ name, kernels: kernelsOf.get(name) ?? publishedKernels(name, tree) }))

  if (options.loaders !== false) for (const loader of await resolveLoaders(options.hostRoot)) desired.push({ kind: 'copy', path: loader.dest, source: loader.source })
  for (const dir of EFI_DIRS) desired.push({ kind: 'link', path: `${dir}/${PXELINUX_MENU_DIR}`, target: `../${PXELINUX_MENU_DIR}` })

  const model = { config, instances }
  desired.push({ kind: 'text', path: PXELINUX_MENU, content: renderPxelinuxDefault(model, options.templates) })
  desired.push({ kind: 'text', path: IPXE_SCRIPT, content: renderIpxeScript(model, options.templates) })
  desired.push({ kind: 'text', path: GRUB_MENU, content: renderGrubConfig(model, options.templates) })

  // the masters' own files follow their instance's newest kernel
  for (const master of Object.values(options.masters)) {
    if (drop.has(master.instance)) continue
    const inst = instances.find((i) => i.name === master.instance)
    const entries = inst ? masterTreeEntries(config, master, inst.kernels, options.templates) : undefined
    if (entries) desired.push(...entries)
    else warn(`${master.instance}: its master ${master.mac} has no kernel to boot; no master files written`)
  }
  // nodes that boot otherwise than the menu: files of their own (a master's MAC keeps the master's)
  const masterMacs = new Set(Object.values(options.masters).map((m) => m.mac))
  for (const node of options.nodes ?? []) {
    if (masterMacs.has(node.mac)) continue
    const boot = nodeOwnBoot(config, instances, node)
    if (!boot) continue
    const inst = instances.find((i) => i.name === boot.instance)
    if (!inst || inst.kernels.length === 0) {
      warn(`node ${node.name}: ${boot.instance} has no kernel published; it boots the default menu until \`sidus publish ${boot.instance}\``)
      continue
    }
    desired.push(...perMacEntries(node.mac, renderNodeFiles(config, boot, inst.kernels[0], options.templates)))
  }
  const wanted = new Set(desired.map((d) => d.path))
  for (const file of await listMasterFiles(tftp, undefined, { nodes: true })) if (!wanted.has(file)) removals.push(file)

  return { desired, removals, instances, warnings, close: () => closeBoot(opened) }
}

/** The master's three per-MAC files, or undefined when its instance has no kernel published. */
export function masterTreeEntries(config: SidusConfig, master: MasterEntry, kernels: PublishedKernel[], templates: MenuTemplates): TreeEntry[] | undefined {
  if (kernels.length === 0) return undefined
  return perMacEntries(master.mac, renderMasterFiles(config, master, kernels[0], templates))
}

/** The three per-MAC files of a master or a node as tree entries. */
function perMacEntries(mac: string, text: { pxelinux: string; ipxe: string; grub: string }): TreeEntry[] {
  const names = masterFiles(mac)
  return [
    { kind: 'text', path: names.pxelinux, content: text.pxelinux },
    { kind: 'text', path: names.ipxe, content: text.ipxe },
    { kind: 'text', path: names.grub, content: text.grub },
  ]
}

/**
 * What a node boots when it is not what the default menu boots (the menu's first instance in the
 * default mode, no arguments of its own), else undefined: such a node simply gets the menu.
 */
export function nodeOwnBoot(config: SidusConfig, instances: MenuInstance[], node: ResolvedNode): NodeBoot | undefined {
  const menu = menuDefault({ config, instances })
  const mode = node.mode ?? menu?.mode ?? (MENU_MODES.includes(config.boot.default_mode) ? config.boot.default_mode : 'overlay')
  if (!menu) return node.instance === undefined ? undefined : { name: node.name, mac: node.mac, instance: node.instance, mode }
  const instance = node.instance ?? menu.instance
  if (instance === menu.instance && mode === menu.mode && !node.extra_args && !node.tmpfs_size) return undefined
  return { name: node.name, mac: node.mac, instance, mode, extra_args: node.extra_args, tmpfs_size: node.tmpfs_size }
}

/**
 * Per-MAC files sidus wrote (they carry the marker); an admin's own 01-… files are left alone.
 * Masters' files (of one instance, or all); with `nodes`, the nodes' own files too.
 */
export async function listMasterFiles(tftp: string, instance?: string, opts: { nodes?: boolean } = {}): Promise<string[]> {
  const out: string[] = []
  for (const { dir, pattern } of MASTER_FILE_PATTERNS) {
    const files = await readdir(path.join(tftp, dir)).catch(() => [] as string[])
    for (const f of files.filter((x) => pattern.test(x)).sort()) {
      const head = await readHead(path.join(tftp, dir, f))
      const owner = markedInstance(head)
      if ((owner !== undefined && (instance === undefined || owner === instance)) || (opts.nodes && isNodeFile(head))) out.push(`${dir}/${f}`)
    }
  }
  return out
}

async function readHead(file: string): Promise<string> {
  try {
    const text = await readFile(file, 'utf8')
    return text.slice(0, 400)
  } catch { return '' }
}

