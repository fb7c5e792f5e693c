import { readFile } from 'node:fs/promises'
import { assetPath } from '../assets.js'
import type { Ctx } from '../context.js'
import { describeFailure, HostKeyMismatchError, NodeTimeoutError, withNode } from './connect.js'
import { liveRoots } from './live.js'
import { mapPool } from './pool.js'
import { isFull, parseProbe, staleReasons, type LiveRoot, type NodeProbe } from './probe.js'
import { DEFAULT_PARALLEL, fleetSsh, type FleetOptions } from './session.js'
import { resolveTargets, type NodeTarget } from './targets.js'

/** up: answered; down: refused or unreachable; timeout: no answer in time; refused: host key mismatch. */
export type NodeState = 'up' | 'down' | 'timeout' | 'no address' | 'hostkey mismatch'

export interface NodeStatus {
  name: string
  address?: string
  state: NodeState
  /** the instance it is assigned */
  instance?: string
  probe?: NodeProbe
  /** why it needs a reboot; empty = current (or unknown: see boot) */
  stale: string[]
  /** current or needs reboot against its instance's live root; unknown when it is not up or there is no such root */
  boot: 'current' | 'needs reboot' | 'unknown'
  full: boolean
  /** why it is not up, one line */
  error?: string
}

export interface StatusTotals { nodes: number; up: number; down: number; stale: number; full: number }

export interface StatusReport { totals: StatusTotals; nodes: NodeStatus[]; live: LiveRoot[] }

export function statusTotals(nodes: NodeStatus[]): StatusTotals {
  return {
    nodes: nodes.length,
    up: nodes.filter((n) => n.state === 'up').length,
    down: nodes.filter((n) => n.state !== 'up').length,
    stale: nodes.filter((n) => n.stale.length > 0).length,
    full: nodes.filter((n) => n.full).length,
  }
}

export const readProbeScript = () => readFile(assetPath('fleet/status.sh'), 'utf8')

/** One node's status; never throws for the node's own failures (they are its row). */
export async function probeNode(target: NodeTarget, run: (t: NodeTarget & { address: string }) => Promise<string>, live: LiveRoot | undefined): Promise<NodeStatus> {
  const base = { name: target.name, address: target.address, instance: target.instance, stale: [], full: false, boot: 'unknown' as const }
  if (!target.address) return { ...base, state: 'no address', error: `${target.name} has no address: none in the inventory, no DHCP lease for ${target.mac}` }
  try {
    const probe = parseProbe(await run({ ...target, address: target.address }))
    const stale = staleReasons(probe, live)
    return { ...base, state: 'up', probe, stale, full: isFull(probe), boot: !live ? 'unknown' : stale.length > 0 ? 'needs reboot' : 'current' }
  } catch (error) {
    const state: NodeState = error instanceof NodeTimeoutError ? 'timeout' : error instanceof HostKeyMismatchError ? 'hostkey mismatch' : 'down'
    return { ...base, state, error: describeFailure(error) }
  }
}

/**
 * `sidus node status`: every node of the set probed over SSH in parallel (bounded), each
 * compared with the live root of its instance.
 */
export async function fleetStatus(ctx: Ctx, set: string | undefined, opts: FleetOptions = {}): Promise<StatusReport> {
  const targets = await resolveTargets(ctx, set)
  const ssh = await fleetSsh(ctx, opts)
  const script = await readProbeScript()
  const live = await liveRoots(ctx.config, targets.map((t) => t.instance), (line) => ctx.log?.(`warning: ${line}`))
  const run = (t: NodeTarget & { address: string }) => withNode(t, ssh, async (runner) => (await runner.run(['sh', '-s'], { input: script })).stdout)
  const nodes = await mapPool(targets, opts.parallel ?? DEFAULT_PARALLEL, (t) => probeNode(t, run, t.instance ? live.get(t.instance) : undefined))
  return { totals: statusTotals(nodes), nodes, live: [...live.values()].filter((l): l is LiveRoot => l !== undefined) }
}
