import type { Ctx } from '../context.js'
import { ConflictError, NotFoundError, UsageError } from '../errors.js'
import { loadInventory } from '../inventory/file.js'
import { selectNodes } from '../nodes/service.js'
import { readMasters } from '../inventory/masters.js'
import { listRootNames } from '../state/roots.js'
import { cancelOverride, writeOverride } from './overrides.js'
import { formatBootTarget, parseBootTarget } from './target.js'

export interface OneShotResult {
  /** the one-shot target set, or undefined when cancelled */
  target?: string
  nodes: { name: string; mac: string; cancelled?: boolean }[]
}

/**
 * `sidus node boot NODES --once TARGET | --cancel`: a boot served once by `sidus serve` to
 * each node's /ipxe/<mac>.ipxe (the TFTP tree's per-MAC files do not change), then the node is
 * back to its normal entry. Everything is checked before one file is written.
 */
export async function setOneShotBoot(ctx: Ctx, set: string, what: { once?: string; cancel?: boolean }): Promise<OneShotResult> {
  if ((what.once === undefined) === !what.cancel) {
    throw new UsageError('give either --once TARGET or --cancel', { suggestion: 'e.g. sidus node boot n001 --once rescue, or sidus node boot n001 --cancel' })
  }
  const inventory = await loadInventory(ctx.config)
  const nodes = selectNodes(inventory, set)
  if (what.cancel) {
    const out: OneShotResult['nodes'] = []
    for (const n of nodes) out.push({ name: n.name, mac: n.mac, cancelled: await cancelOverride(ctx.config, n.name) })
    return { nodes: out }
  }
  const target = parseBootTarget(what.once!)
  if (target.kind === 'instance') {
    const roots = await listRootNames(ctx.config)
    if (!roots.includes(target.instance)) {
      throw new NotFoundError(`unknown instance ${target.instance}: no ${ctx.config.paths.roots}/${target.instance}`, {
        suggestion: `instances: ${roots.join(', ') || 'none'}; or rescue (its own instance, emergency shell) or local (its disk)`,
      })
    }
  }
  const masters = Object.values(await readMasters(ctx.config))
  for (const n of nodes) {
    const master = masters.find((m) => m.mac === n.mac)
    if (master) {
      throw new ConflictError(`${n.name} is the master of ${master.instance} (sidus master set): it always boots its root read-write, never once otherwise`, {
        suggestion: `leave ${n.name} out of the node set, or \`sidus master unset ${master.instance}\` first`,
      })
    }
  }
  const text = formatBootTarget(target)
  const created = new Date().toISOString()
  for (const n of nodes) await writeOverride(ctx.config, { node: n.name, mac: n.mac, target: text, created })
  return { target: text, nodes: nodes.map((n) => ({ name: n.name, mac: n.mac })) }
}
