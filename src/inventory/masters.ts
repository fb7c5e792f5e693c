import { rename } from 'node:fs/promises'
import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { ConfigError, StateError } from '../errors.js'
import { mastersFile } from '../state/layout.js'
import { readLegacyMasters, type MasterEntry, type MasterRegistry } from '../state/masters.js'
import { editInventory, type NodeChange } from './edit.js'
import { loadInventory } from './file.js'
import { resolveNode, type Inventory } from './model.js'

/**
 * The master of a root is the node that boots it read-write (one per instance: the inventory's
 * rule). `sidus master set` is a shorthand that writes that node; nothing else records masters.
 */
export function mastersOf(inventory: Inventory): MasterRegistry {
  const out: MasterRegistry = {}
  for (const n of inventory.nodes) {
    const r = resolveNode(inventory, n)
    if (r.mode === 'rw' && r.instance) out[r.instance] = { instance: r.instance, mac: r.mac, ip: r.ip, hostname: r.name, node: r.name }
  }
  return out
}

/** Every root's master: the inventory's rw nodes, and masters.yaml's entries of an older sidus not yet migrated. */
export async function readMasters(config: SidusConfig): Promise<MasterRegistry> {
  const [legacy, inventory] = await Promise.all([readLegacyMasters(config), loadInventory(config)])
  return { ...legacy, ...mastersOf(inventory) }
}

/**
 * For commands that only show or warn about masters (list, info, exec): an unreadable
 * masters.yaml or nodes.yaml is told once, as a warning naming the file and the fix, and the
 * command goes on without masters.
 */
export async function readMastersOrWarn(config: SidusConfig, warn?: (line: string) => void): Promise<MasterRegistry> {
  try {
    return await readMasters(config)
  } catch (error) {
    if (!(error instanceof StateError) && !(error instanceof ConfigError)) throw error
    warn?.(`${error.message}; going on without it (fix: ${error.suggestion})`)
    return {}
  }
}

/** The name `master set` gives a machine that is not a node yet: the role, not the machine. */
export const masterRoleName = (instance: string) => `${instance}-master`

/**
 * The inventory changes that make `target` the master of `instance` (null: no master). The
 * previous master boots like the others from then on: a node named for the role
 * (`<instance>-master`, added by `master set`) goes, as the role was its only entry; another
 * node stays and loses its own `mode: rw` (a group's rw gives way to the default mode). The
 * target's node boots the instance rw, or is added under its host name. Applying them twice
 * changes nothing (a crash journal replays them).
 */
export function masterChanges(config: SidusConfig, inventory: Inventory, instance: string, target: MasterEntry | null): NodeChange[] {
  const changes: NodeChange[] = []
  const current = mastersOf(inventory)[instance]
  if (current && current.mac !== target?.mac) {
    const node = inventory.nodes.find((n) => n.name === current.node)!
    const groupRw = node.group !== undefined && inventory.groups[node.group]?.mode === 'rw'
    if (node.name === masterRoleName(instance)) changes.push({ op: 'rm', name: node.name })
    else changes.push({ op: 'set', name: node.name, values: { mode: groupRw ? config.boot.default_mode : null } })
  }
  if (target) {
    const node = inventory.nodes.find((n) => n.mac === target.mac)
    if (node) changes.push({ op: 'set', name: node.name, values: { instance, mode: 'rw', ...(target.ip ? { ip: target.ip } : {}) } })
    else changes.push({ op: 'add', node: { name: target.hostname ?? masterRoleName(instance), mac: target.mac, ip: target.ip, instance, mode: 'rw' } })
  }
  return changes
}

/** Write a master change into nodes.yaml (the commit step of a master transition). Callers hold the tree lock. */
export async function commitMasterLocked(config: SidusConfig, instance: string, target: MasterEntry | null): Promise<void> {
  const inventory = await loadInventory(config)
  const changes = masterChanges(config, inventory, instance, target)
  if (changes.length > 0) await editInventory(config, inventory, changes)
}

/**
 * Move masters.yaml (an older sidus's registry) into nodes.yaml, once: each master becomes its
 * instance's rw node (an instance that already has one keeps it), then masters.yaml is renamed
 * masters.yaml.migrated. A crash in between is finished by the next call. Callers hold the tree lock.
 */
export async function migrateLegacyMastersLocked(ctx: Pick<Ctx, 'config' | 'log'>): Promise<string[]> {
  const { config } = ctx
  const legacy = await readLegacyMasters(config)
  const entries = Object.values(legacy).sort((a, b) => a.instance.localeCompare(b.instance))
  const moved: string[] = []
  let inventory = await loadInventory(config)
  for (const entry of entries) {
    const current = mastersOf(inventory)[entry.instance]
    if (current) {
      if (current.mac !== entry.mac) ctx.log?.(`warning: masters.yaml named ${entry.mac} master of ${entry.instance}; nodes.yaml's rw node of it stays the master`)
      continue
    }
    const free = (name: string) => !inventory.nodes.some((n) => n.name === name && n.mac !== entry.mac)
    const named = [entry.hostname, masterRoleName(entry.instance)].find((n): n is string => n !== undefined && free(n)) ?? `${entry.instance}-master-${entry.mac.replace(/:/g, '')}`
    inventory = await editInventory(config, inventory, masterChanges(config, inventory, entry.instance, { ...entry, hostname: named }))
    moved.push(entry.instance)
  }
  if (entries.length > 0) {
    await rename(mastersFile(config), `${mastersFile(config)}.migrated`)
    ctx.log?.(`the masters of ${mastersFile(config)} are rw nodes of ${inventory.file} now (${moved.join(', ') || 'none moved'}); the old file is kept as masters.yaml.migrated`)
  }
  return moved
}
