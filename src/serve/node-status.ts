import type { Ctx } from '../context.js'
import type { ResolvedNode } from '../inventory/model.js'
import { listNodes } from '../nodes/service.js'
import { eventLogFile, readEventsBackwards } from './events.js'
import { listOverrides } from './overrides.js'

export interface LastBoot { time: string; instance: string | null }
export interface NodeStatus extends ResolvedNode {
  /** the last script `sidus serve` gave it, from the boot log */
  lastBoot?: LastBoot
  /** a one-shot boot waiting for its next boot */
  override?: { target: string; created: string }
}

/** Nodes of the inventory with their last boot (from the end of the boot log) and pending one-shot boot. */
export async function nodeStatus(ctx: Pick<Ctx, 'config'>, set?: string): Promise<{ file: string; nodes: NodeStatus[] }> {
  const { file, nodes } = await listNodes(ctx, set)
  const boots = await lastBoots(ctx, new Set(nodes.map((n) => n.name)))
  const overrides = await listOverrides(ctx.config)
  return {
    file,
    nodes: nodes.map((n) => {
      const o = overrides.get(n.name)
      const out: NodeStatus = { ...n }
      const b = boots.get(n.name)
      if (b) out.lastBoot = b
      if (o) out.override = { target: o.target, created: o.created }
      return out
    }),
  }
}

/**
 * Each node's latest boot: the newest script served for its MAC. Read from the log's end and
 * stopped as soon as every node is found, so 480 nodes that booted today cost the last lines only.
 */
export async function lastBoots(ctx: Pick<Ctx, 'config'>, names: Set<string>): Promise<Map<string, LastBoot>> {
  const out = new Map<string, LastBoot>()
  if (names.size === 0) return out
  await readEventsBackwards(eventLogFile(ctx.config), (e) => {
    if (e.kind === 'script' && e.mac && e.node && e.status === 200 && names.has(e.node) && !out.has(e.node)) {
      out.set(e.node, { time: e.time, instance: e.instance })
    }
    return out.size < names.size
  })
  return out
}
