import type { BootMode } from '../config/schema.js'

/** What a node or a group may set; a node's own value wins over its group's. */
export interface BootSettings {
  instance?: string
  mode?: BootMode
  extra_args?: string
  tmpfs_size?: string
}

/** One machine of the fleet, as nodes.yaml holds it. */
export interface NodeEntry extends BootSettings {
  name: string
  /** canonical: lower case, colons */
  mac: string
  ip?: string
  group?: string
}

export interface Inventory {
  /** the file it was read from (may not exist yet) */
  file: string
  groups: Record<string, BootSettings>
  /** in file order */
  nodes: NodeEntry[]
}

/** A node with its group's defaults applied, and where each value came from. */
export interface ResolvedNode extends NodeEntry {
  from: Partial<Record<keyof BootSettings, 'node' | 'group'>>
}

export const BOOT_SETTING_KEYS = ['instance', 'mode', 'extra_args', 'tmpfs_size'] as const
export const NODE_KEYS = ['mac', 'ip', 'group', ...BOOT_SETTING_KEYS] as const

/** Apply the group's values where the node has none. */
export function resolveNode(inventory: Pick<Inventory, 'groups'>, node: NodeEntry): ResolvedNode {
  const group = node.group ? inventory.groups[node.group] ?? {} : {}
  const out: ResolvedNode = { ...node, from: {} }
  for (const key of BOOT_SETTING_KEYS) {
    if (node[key] !== undefined) out.from[key] = 'node'
    else if (group[key] !== undefined) {
      ;(out as unknown as Record<string, unknown>)[key] = group[key]
      out.from[key] = 'group'
    }
  }
  return out
}

/** Members of a group, in file order. */
export function groupMembers(inventory: Inventory, group: string): string[] {
  return inventory.nodes.filter((n) => n.group === group).map((n) => n.name)
}
