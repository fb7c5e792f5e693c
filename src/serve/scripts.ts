import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { assetPath } from '../assets.js'
import type { SidusConfig } from '../config/schema.js'
import { IPXE_SCRIPT } from '../domain/tftp.js'
import { loadInventory, nodesFile } from '../inventory/file.js'
import { resolveNode, type Inventory, type ResolvedNode } from '../inventory/model.js'
import { menuDefault, MENU_MODES, renderMasterFiles, renderNodeFiles, type MenuInstance, type NodeBoot } from '../publish/menus.js'
import { nodeOwnBoot } from '../publish/plan.js'
import { publishedKernels, scanTree } from '../publish/scan.js'
import { fill, loadMenuTemplates, type MenuTemplates } from '../publish/templates.js'
import { readMasters } from '../inventory/masters.js'
import { mastersFile } from '../state/layout.js'
import type { MasterEntry } from '../state/masters.js'
import { listRootNames } from '../state/roots.js'
import { claimOverride, readOverride, type BootOverride } from './overrides.js'
import { RESCUE_ARG, parseBootTarget } from './target.js'

export interface ServeTemplates { menus: MenuTemplates; boot: string; menu: string; local: string }

export async function loadServeTemplates(): Promise<ServeTemplates> {
  const dir = assetPath('serve')
  const read = (f: string) => readFile(path.join(dir, f), 'utf8')
  return { menus: await loadMenuTemplates(), boot: await read('boot.ipxe'), menu: await read('menu.ipxe'), local: await read('local.ipxe') }
}

/** The script a MAC gets, and whom and what it boots (for the boot log). */
export interface MacScript {
  script: string
  node: string | null
  instance: string | null
  /** the one-shot override this request took, when it took one */
  override?: BootOverride
}

/**
 * The script of `/ipxe/<mac>.ipxe`, rendered by publish's own renderers from what the tree and
 * the inventory say now: a pending one-shot override (taken: served once), else the master's
 * read-write entry, else the node's own entry (nodes.yaml gives it another instance, mode or
 * arguments than the menu), else the default menu.
 */
export async function scriptForMac(config: SidusConfig, mac: string, t: ServeTemplates, views: BootViews = new BootViews(), opts: { take?: boolean } = {}): Promise<MacScript> {
  const { inventory, instances, masters } = await views.get(config)
  const entry = inventory.nodes.find((n) => n.mac === mac)
  const node = entry ? resolveNode(inventory, entry) : undefined
  const master = masters.find((m) => m.mac === mac)

  if (node && !master) {
    const pending = await readOverride(config, node.name)
    const rendered = pending ? overrideScript(config, instances, node, pending, t) : undefined
    // rendered first, then taken: an override that cannot boot (no kernel) stays pending
    // HEAD (a check, not a boot) sees the one-shot script and leaves it pending
    if (rendered && opts.take === false) return { ...rendered, node: node.name }
    if (rendered) {
      const taken = await claimOverride(config, node.name)
      if (taken && taken.target === pending!.target) return { ...rendered, node: node.name, override: taken }
      if (taken) {
        const again = overrideScript(config, instances, node, taken, t)
        if (again) return { ...again, node: node.name, override: taken }
      }
    }
  }
  if (master) {
    const kernel = instances.find((i) => i.name === master.instance)?.kernels[0]
    if (kernel) return { script: renderMasterFiles(config, master, kernel, t.menus).ipxe, node: node?.name ?? null, instance: master.instance }
  }
  if (node) {
    const own = nodeOwnBoot(config, instances, node)
    const kernel = own && instances.find((i) => i.name === own.instance)?.kernels[0]
    if (own && kernel) return { script: renderNodeFiles(config, own, kernel, t.menus).ipxe, node: node.name, instance: own.instance }
  }
  return { script: fill(t.menu, { mac, menu: IPXE_SCRIPT }), node: node?.name ?? null, instance: menuDefault({ config, instances })?.instance ?? null }
}

/** An override's script, or undefined when what it names has no kernel in the tree. */
function overrideScript(config: SidusConfig, instances: MenuInstance[], node: ResolvedNode, o: BootOverride, t: ServeTemplates): { script: string; instance: string | null } | undefined {
  const target = parseBootTarget(o.target)
  if (target.kind === 'local') return { script: fill(t.local, { name: node.name, mac: node.mac }), instance: null }
  const menu = menuDefault({ config, instances })
  const normal = nodeOwnBoot(config, instances, node)
  const fallbackMode = MENU_MODES.includes(config.boot.default_mode) ? config.boot.default_mode : 'overlay'
  let boot: NodeBoot
  if (target.kind === 'rescue') {
    const instance = normal?.instance ?? menu?.instance
    if (!instance) return undefined
    const extra = [normal?.extra_args ?? node.extra_args, RESCUE_ARG].filter(Boolean).join(' ')
    boot = { name: node.name, mac: node.mac, instance, mode: normal?.mode ?? menu?.mode ?? fallbackMode, extra_args: extra, tmpfs_size: node.tmpfs_size }
  } else {
    const mode = target.mode ?? (node.mode && node.mode !== 'rw' ? node.mode : fallbackMode)
    boot = { name: node.name, mac: node.mac, instance: target.instance, mode, extra_args: node.extra_args, tmpfs_size: node.tmpfs_size }
  }
  const kernel = instances.find((i) => i.name === boot.instance)?.kernels[0]
  if (!kernel) return undefined
  return { script: renderNodeFiles(config, boot, kernel, t.menus).ipxe, instance: boot.instance }
}

/** What every script is rendered from: the inventory, the instances with their published kernels, the masters. */
export interface BootView { inventory: Inventory; instances: MenuInstance[]; masters: MasterEntry[] }

/**
 * The boot view, read once and reused while nothing it comes from changed: 480 nodes booting at
 * once must not parse nodes.yaml 480 times. Whether it changed is four stat calls: nodes.yaml and
 * masters.yaml (replaced by rename: a new inode), the tree's and the roots' directories (publish
 * and create add or rename entries there). Concurrent requests share one read.
 */
export class BootViews {
  private key?: string
  private view?: Promise<BootView>

  async get(config: SidusConfig): Promise<BootView> {
    const key = await signature([nodesFile(config), mastersFile(config), config.paths.tftp, config.paths.roots])
    if (key !== this.key || !this.view) {
      this.key = key
      this.view = readBootView(config)
      // a failed read (nodes.yaml being fixed) is not kept
      this.view.catch(() => { if (this.key === key) this.key = undefined })
    }
    return this.view
  }
}

async function readBootView(config: SidusConfig): Promise<BootView> {
  const inventory = await loadInventory(config)
  const tree = await scanTree(config.paths.tftp)
  const instances = (await listRootNames(config)).map((name) => ({ name, kernels: publishedKernels(name, tree) }))
  return { inventory, instances, masters: Object.values(await readMasters(config)) }
}

async function signature(files: string[]): Promise<string> {
  const parts = await Promise.all(files.map(async (f) => {
    try {
      const st = await stat(f)
      return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`
    } catch {
      return '-'
    }
  }))
  return parts.join('|')
}
