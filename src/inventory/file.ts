import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { SidusConfig } from '../config/schema.js'
import { ConfigError, SidusError } from '../errors.js'
import { BOOT_SETTING_KEYS, NODE_KEYS, resolveNode, type BootSettings, type Inventory, type NodeEntry } from './model.js'
import {
  checkExtraArgs, checkGroupName, checkMode, checkNodeInstance, checkNodeIp, checkNodeMac, checkNodeName,
  checkOneRwPerInstance, checkTmpfsSize, checkUnique, takenBy,
} from './rules.js'

/** nodes.yaml: `nodes_file` in sidus.yaml, else beside sidus.yaml, else /etc/sidus/nodes.yaml. */
export function nodesFile(config: SidusConfig): string {
  if (config.nodes_file) return config.nodes_file
  return path.join(config.source ? path.dirname(config.source) : '/etc/sidus', 'nodes.yaml')
}

/** The file's text, or undefined when there is none yet (an empty inventory). */
export async function readNodesText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw new ConfigError(`${file}: cannot read the node inventory (${code ?? String(error)})`, { suggestion: 'check the file\'s permissions, or nodes_file in sidus.yaml' })
  }
}

/** The inventory, with the document it was read from (none when the file does not exist yet). */
export async function loadInventory(config: SidusConfig): Promise<ParsedInventory> {
  const file = nodesFile(config)
  const text = await readNodesText(file)
  return text === undefined ? { file, groups: {}, nodes: [] } : parseInventory(config, text, file)
}

export interface ParsedInventory extends Inventory { doc?: Document }

/**
 * Parse and check nodes.yaml: every value and every rule across nodes (unique MACs and
 * addresses, known groups, one rw node per instance), refused with file:line and the fix.
 */
export function parseInventory(config: SidusConfig, text: string, file: string): ParsedInventory & { doc: Document } {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const at = (node: Node | null | undefined) => `${file}:${lines.linePos(node?.range?.[0] ?? 0).line}`
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    throw new ConfigError(`${file}:${lines.linePos(e.pos[0]).line}: invalid YAML: ${e.message.split('\n')[0]}`, { suggestion: 'fix the YAML at that line' })
  }
  // a rule broken at a node: the rule's own message and fix, with the place in the file
  const refuse = (node: Node | null | undefined, fn: () => void) => {
    try { fn() } catch (error) {
      if (error instanceof SidusError && !(error instanceof ConfigError)) throw new ConfigError(`${at(node)}: ${error.message}`, { suggestion: error.suggestion })
      throw error
    }
  }
  const inventory: ParsedInventory & { doc: Document } = { file, groups: {}, nodes: [], doc }
  const top = doc.contents as Node | null
  if (top === null || (isScalar(top) && top.value === null)) return inventory
  if (!isMap(top)) throw new ConfigError(`${at(top)}: the node inventory must be a mapping with groups: and nodes:`)
  const positions = new Map<string, Node>()
  for (const pair of top.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    if (key !== 'groups' && key !== 'nodes') throw new ConfigError(`${at(pair.key as Node)}: unknown key '${key}'`, { suggestion: 'nodes.yaml has two keys: groups and nodes' })
    const value = pair.value as Node | null
    if (value === null || (isScalar(value) && value.value === null)) continue
    if (!isMap(value)) throw new ConfigError(`${at(value)}: ${key} must be a mapping of names`)
    for (const item of value.items) {
      const name = isScalar(item.key) ? String(item.key.value) : ''
      const body = item.value as Node | null
      const fields = readFields(body, at, key === 'nodes' ? NODE_KEYS : BOOT_SETTING_KEYS, `${key === 'nodes' ? 'node' : 'group'} ${name}`)
      if (key === 'groups') {
        refuse(item.key as Node, () => checkGroupName(name))
        inventory.groups[name] = checkSettings(fields, refuse)
      } else {
        refuse(item.key as Node, () => checkNodeName(name))
        if (fields.mac === undefined) throw new ConfigError(`${at(item.key as Node)}: node ${name} has no mac`, { suggestion: 'give every node its MAC address: mac: 52:54:00:12:34:56' })
        const node: NodeEntry = { name, mac: '', ...checkSettings(fields, refuse) }
        refuse(fields.mac.node, () => { node.mac = checkNodeMac(fields.mac!.value) })
        if (fields.ip) refuse(fields.ip.node, () => { node.ip = checkNodeIp(config, fields.ip!.value) })
        if (fields.group) node.group = fields.group.value
        inventory.nodes.push(node)
        positions.set(name, item.key as Node)
      }
    }
  }
  const taken = takenBy({ file, groups: {}, nodes: [] })
  for (const node of inventory.nodes) {
    const where = positions.get(node.name)
    if (node.group !== undefined && !(node.group in inventory.groups)) {
      throw new ConfigError(`${at(where)}: node ${node.name} names the unknown group ${node.group}`, { suggestion: `add it under groups:, or fix the name (groups: ${Object.keys(inventory.groups).join(', ') || 'none'})` })
    }
    refuse(where, () => checkUnique(node, taken))
    taken.macs.set(node.mac, `node ${node.name}`)
    if (node.ip) taken.ips.set(node.ip, `node ${node.name}`)
  }
  refuse(top, () => checkOneRwPerInstance(inventory.nodes.map((n) => resolveNode(inventory, n))))
  return inventory
}

type Refuse = (node: Node | null | undefined, fn: () => void) => void
type Fields = Partial<Record<string, { value: string; node: Node }>>

function readFields(body: Node | null, at: (n: Node | null | undefined) => string, allowed: readonly string[], what: string): Fields {
  const out: Fields = {}
  if (body === null || (isScalar(body) && body.value === null)) return out
  if (!isMap(body)) throw new ConfigError(`${at(body)}: ${what} must be a mapping of keys`)
  for (const pair of (body).items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    if (!allowed.includes(key)) throw new ConfigError(`${at(pair.key as Node)}: unknown key '${key}' in ${what}`, { suggestion: `known keys: ${allowed.join(', ')}` })
    const value = pair.value as Node | null
    if (!isScalar(value) || value.value === null || typeof value.value === 'object') throw new ConfigError(`${at(value ?? (pair.key as Node))}: ${what}: ${key} must be a single value`)
    // YAML reads 1e3 or 0x10 as numbers and an unquoted MAC as text: keep what was written
    out[key] = { value: value.source ?? String(value.value), node: value }
  }
  return out
}

function checkSettings(fields: Fields, refuse: Refuse): BootSettings {
  const out: BootSettings = {}
  if (fields.instance) refuse(fields.instance.node, () => { out.instance = checkNodeInstance(fields.instance!.value) })
  if (fields.mode) refuse(fields.mode.node, () => { out.mode = checkMode(fields.mode!.value) })
  if (fields.extra_args) refuse(fields.extra_args.node, () => { out.extra_args = checkExtraArgs(fields.extra_args!.value) })
  if (fields.tmpfs_size) refuse(fields.tmpfs_size.node, () => { out.tmpfs_size = checkTmpfsSize(fields.tmpfs_size!.value) })
  return out
}
