import type { Ctx } from '../context.js'
import { ConflictError, NotFoundError, UsageError } from '../errors.js'
import { syncServices } from '../publish/master-services.js'
import { refreshNodeFilesLocked } from '../publish/publish.js'
import { withTreeLock } from '../publish/lock.js'
import { migrateLegacyMastersLocked } from '../inventory/masters.js'
import { listRootNames } from '../state/roots.js'
import { editInventory, type NodeChange } from '../inventory/edit.js'
import { loadInventory, type ParsedInventory } from '../inventory/file.js'
import { groupMembers, resolveNode, type BootSettings, type Inventory, type NodeEntry, type ResolvedNode } from '../inventory/model.js'
import { expandNodeSet } from '../inventory/nodeset.js'
import {
  checkExtraArgs, checkMode, checkNodeInstance, checkNodeIp, checkNodeMac, checkNodeName, checkOneRwPerInstance,
  checkTmpfsSize, checkUnique, addressPicker, takenBy, type Taken,
} from '../inventory/rules.js'

/** What the admin gives for a node (strings as typed); checked here, stored canonical. */
export interface NodeInput extends Partial<Record<keyof BootSettings, string>> {
  name: string
  mac: string
  ip?: string
  group?: string
}

export interface NodeWriteResult {
  file: string
  nodes: ResolvedNode[]
  /** why the DHCP and hosts configs were not re-applied, when they were not */
  servicesSkipped?: string
  /** per-MAC boot files of nodes that boot otherwise than the menu, changed in the TFTP tree */
  bootFiles: { added: string[]; updated: string[]; removed: string[] }
}

/** Names a node set selects, every one of them in the inventory. */
export function selectNodes(inventory: Inventory, set: string): NodeEntry[] {
  const names = expandNodeSet(set, (group) => {
    if (!(group in inventory.groups)) throw new NotFoundError(`unknown group @${group}`, { suggestion: `groups in ${inventory.file}: ${Object.keys(inventory.groups).join(', ') || 'none'}` })
    return groupMembers(inventory, group)
  })
  const byName = new Map(inventory.nodes.map((n) => [n.name, n]))
  const missing = names.filter((n) => !byName.has(n))
  if (missing.length > 0) {
    throw new NotFoundError(`no node ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''} in ${inventory.file}`, {
      suggestion: 'see `sidus node list`, or add it with `sidus node add NAME MAC`',
    })
  }
  return names.map((n) => byName.get(n)!)
}

/** Check the inputs against the rules, the inventory and the roots; return the entries to write. */
async function checkNewNodes(ctx: Ctx, inventory: Inventory, inputs: NodeInput[], where: (i: number) => string = () => ''): Promise<NodeEntry[]> {
  const instances = new Set(await listRootNames(ctx.config))
  const taken: Taken = takenBy(inventory)
  const names = new Set(inventory.nodes.map((n) => n.name))
  const entries: NodeEntry[] = []
  const prefix = (i: number, error: unknown): never => {
    const w = where(i)
    if (w && error instanceof Error) error.message = `${w}: ${error.message}`
    throw error
  }
  // explicit addresses first, so that picked ones never take an address a later line asks for
  const asked = new Set(inputs.map((i) => i.ip).filter((ip): ip is string => ip !== undefined))
  const pickAddress = addressPicker(ctx.config, taken, asked)
  inputs.forEach((input, i) => {
    try {
      const node: NodeEntry = { name: checkNodeName(input.name), mac: checkNodeMac(input.mac) }
      if (names.has(node.name)) throw new ConflictError(`node ${node.name} is already in ${inventory.file}`, { suggestion: `change it with \`sidus node set ${node.name} …\`, or remove it first` })
      if (input.group !== undefined) {
        if (!(input.group in inventory.groups)) throw new NotFoundError(`unknown group ${input.group}`, { suggestion: `add it under groups: in ${inventory.file} (groups: ${Object.keys(inventory.groups).join(', ') || 'none'})` })
        node.group = input.group
      }
      Object.assign(node, checkSettings(input, instances, ctx))
      node.ip = input.ip !== undefined ? checkNodeIp(ctx.config, input.ip) : pickAddress()
      checkUnique(node, taken)
      taken.macs.set(node.mac, `node ${node.name}`)
      taken.ips.set(node.ip, `node ${node.name}`)
      names.add(node.name)
      entries.push(node)
    } catch (error) { prefix(i, error) }
  })
  // one rw machine per instance: the master is the instance's rw node (`sidus master set` writes it)
  checkOneRwPerInstance([...inventory.nodes, ...entries].map((n) => resolveNode(inventory, n)))
  return entries
}

function checkSettings(input: Partial<Record<keyof BootSettings, string>>, instances: Set<string>, ctx: Ctx): BootSettings {
  const out: BootSettings = {}
  if (input.instance !== undefined) {
    out.instance = checkNodeInstance(input.instance)
    if (!instances.has(out.instance)) throw new NotFoundError(`unknown instance ${out.instance}: no ${ctx.config.paths.roots}/${out.instance}`, { suggestion: `instances: ${[...instances].join(', ') || 'none'} (create it with \`sidus create ${out.instance}\`)` })
  }
  if (input.mode !== undefined) out.mode = checkMode(input.mode)
  if (input.extra_args !== undefined) out.extra_args = checkExtraArgs(input.extra_args)
  if (input.tmpfs_size !== undefined) out.tmpfs_size = checkTmpfsSize(input.tmpfs_size)
  return out
}

async function write(ctx: Ctx, current: ParsedInventory, changes: NodeChange[], names: string[]): Promise<NodeWriteResult> {
  const file = current.file
  const next = await editInventory(ctx.config, current, changes)
  // reservations and names reach DHCP where `sidus server apply` installed sidus's configs
  const servicesSkipped = await syncServices(ctx)
  // and their own boot files follow (a tree never published gets them at the first publish)
  const tree = await refreshNodeFilesLocked(ctx)
  for (const w of tree?.warnings ?? []) ctx.log?.(`warning: ${w}`)
  const bootFiles = { added: tree?.added ?? [], updated: tree?.updated ?? [], removed: tree?.removed ?? [] }
  const wanted = new Set(names)
  return { file, nodes: next.nodes.filter((n) => wanted.has(n.name)).map((n) => resolveNode(next, n)), servicesSkipped, bootFiles }
}

/** The inventory, once an older sidus's masters.yaml is in it. Callers hold the tree lock. */
async function loadMigratedInventory(ctx: Ctx): Promise<ParsedInventory> {
  await migrateLegacyMastersLocked(ctx)
  return loadInventory(ctx.config)
}

/** Add nodes (one from `node add`, many from `node import`): all checked before anything is written. */
export async function addNodes(ctx: Ctx, inputs: NodeInput[], where?: (i: number) => string): Promise<NodeWriteResult> {
  return withTreeLock(ctx, async () => {
    const inventory = await loadMigratedInventory(ctx)
    const entries = await checkNewNodes(ctx, inventory, inputs, where)
    return write(ctx, inventory, entries.map((node) => ({ op: 'add', node })), entries.map((n) => n.name))
  })
}

export interface NodeUpdate extends Partial<Record<keyof BootSettings, string>> {
  mac?: string
  ip?: string
  group?: string
  /** keys to remove from the nodes (back to the group's or the default value) */
  clear?: string[]
}

const CLEARABLE = ['ip', 'group', 'instance', 'mode', 'extra_args', 'tmpfs_size']

/** Change the nodes of a set; a MAC or an address can only be given to one node at a time. */
export async function setNodes(ctx: Ctx, set: string, update: NodeUpdate): Promise<NodeWriteResult> {
  return withTreeLock(ctx, async () => {
    const inventory = await loadMigratedInventory(ctx)
    const selected = selectNodes(inventory, set)
    if (selected.length > 1 && (update.mac !== undefined || update.ip !== undefined)) {
      throw new UsageError(`--mac and --ip name one machine, and ${set} selects ${selected.length} nodes`, { suggestion: 'set them node by node' })
    }
    for (const key of update.clear ?? []) {
      if (!CLEARABLE.includes(key)) throw new UsageError(`cannot clear ${JSON.stringify(key)}`, { suggestion: `clearable: ${CLEARABLE.join(', ')}` })
    }
    const instances = new Set(await listRootNames(ctx.config))
    const settings = checkSettings(update, instances, ctx)
    if (update.group !== undefined && !(update.group in inventory.groups)) {
      throw new NotFoundError(`unknown group ${update.group}`, { suggestion: `add it under groups: in ${inventory.file}` })
    }
    const values: Record<string, string | null> = {}
    for (const key of update.clear ?? []) values[key] = null
    Object.assign(values, settings)
    if (update.group !== undefined) values.group = update.group
    const after = new Map(inventory.nodes.map((n) => [n.name, { ...n }]))
    if (selected.length === 1) {
      const node = after.get(selected[0].name)!
      const taken = takenBy(inventory, node.name)
      if (update.mac !== undefined) values.mac = checkNodeMac(update.mac)
      if (update.ip !== undefined) values.ip = checkNodeIp(ctx.config, update.ip)
      checkUnique({ name: node.name, mac: values.mac ?? node.mac, ip: values.ip ?? undefined }, taken)
    }
    for (const n of selected) {
      const node = after.get(n.name)! as unknown as Record<string, unknown>
      for (const [k, v] of Object.entries(values)) {
        if (v === null) delete node[k]
        else node[k] = v
      }
    }
    checkOneRwPerInstance([...after.values()].map((n) => resolveNode(inventory, n)))
    return write(ctx, inventory, selected.map((n) => ({ op: 'set', name: n.name, values })), selected.map((n) => n.name))
  })
}

export async function removeNodes(ctx: Ctx, set: string): Promise<Omit<NodeWriteResult, 'nodes'> & { removed: string[] }> {
  return withTreeLock(ctx, async () => {
    const inventory = await loadMigratedInventory(ctx)
    const selected = selectNodes(inventory, set)
    const { file, servicesSkipped, bootFiles } = await write(ctx, inventory, selected.map((n) => ({ op: 'rm', name: n.name })), [])
    return { file, removed: selected.map((n) => n.name), servicesSkipped, bootFiles }
  })
}

/** The nodes of a set (all of them without one), with their groups' values applied. Never waits on a lock. */
export async function listNodes(ctx: Pick<Ctx, 'config'>, set?: string): Promise<{ file: string; nodes: ResolvedNode[] }> {
  const inventory = await loadInventory(ctx.config)
  const nodes = set === undefined ? inventory.nodes : selectNodes(inventory, set)
  return { file: inventory.file, nodes: nodes.map((n) => resolveNode(inventory, n)) }
}
