import type { Ctx } from '../context.js'
import { CancelledError, UsageError } from '../errors.js'
import { withNode, type FleetSsh } from './connect.js'
import { liveRoots } from './live.js'
import { mapPool } from './pool.js'
import { fleetSsh } from './session.js'
import { probeNode, readProbeScript, type NodeStatus } from './status.js'
import { resolveTargets, type NodeTarget } from './targets.js'

export interface RebootOptions {
  /** nodes rebooted at once (default 1) */
  batch?: number
  /** seconds a batch may take to come back (default 600) */
  timeout?: number
  /** seconds between two looks at a rebooting node (default 5) */
  pollInterval?: number
  /** seconds one SSH exchange may take (default 10) */
  connectTimeout?: number
  onBatch?: (batch: RebootBatch) => void
}

export interface RebootBatch {
  index: number
  nodes: string[]
  ok: boolean
  seconds: number
  /** the nodes that did not come back current, and why */
  failed: { name: string; why: string }[]
}

export interface RebootReport { ok: boolean; batches: RebootBatch[]; notRebooted: string[] }

export function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** A pause that a cancel ends at once; its listener goes with it (a long roll waits many times). */
const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) { reject(new CancelledError()); return }
  const onAbort = () => { clearTimeout(t); reject(new CancelledError()) }
  const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
  signal?.addEventListener('abort', onAbort, { once: true })
})

/**
 * `sidus node reboot NODES --rolling`: batch after batch, reboot the nodes (systemctl reboot,
 * not waited for: the connection dies with the node), then wait until each answers again with
 * a new boot id and booted on its live root; the first batch with a node that does not stops
 * the roll, naming it.
 */
export async function rollingReboot(ctx: Ctx, set: string, opts: RebootOptions = {}): Promise<RebootReport> {
  const size = opts.batch ?? 1
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`--batch ${size}: give a whole number of nodes, 1 or more`)
  const targets = await resolveTargets(ctx, set)
  const ssh = await fleetSsh(ctx, { timeout: opts.connectTimeout ?? 10 })
  const script = await readProbeScript()
  const live = await liveRoots(ctx.config, targets.map((t) => t.instance), (line) => ctx.log?.(`warning: ${line}`))
  const probe = (t: NodeTarget) => probeNode(t, (a) => withNode(a, ssh, async (r) => (await r.run(['sh', '-s'], { input: script })).stdout), t.instance ? live.get(t.instance) : undefined)
  const report: RebootReport = { ok: true, batches: [], notRebooted: [] }
  const groups = batches(targets, size)
  for (const [index, group] of groups.entries()) {
    const started = Date.now()
    const failed = await rebootBatch(ctx, group, ssh, probe, opts)
    const batch: RebootBatch = { index: index + 1, nodes: group.map((t) => t.name), ok: failed.length === 0, seconds: Math.round((Date.now() - started) / 100) / 10, failed }
    report.batches.push(batch)
    opts.onBatch?.(batch)
    if (!batch.ok) {
      report.ok = false
      report.notRebooted = groups.slice(index + 1).flat().map((t) => t.name)
      break
    }
  }
  return report
}

async function rebootBatch(ctx: Ctx, group: NodeTarget[], ssh: FleetSsh, probe: (t: NodeTarget) => Promise<NodeStatus>, opts: RebootOptions): Promise<{ name: string; why: string }[]> {
  const deadline = Date.now() + (opts.timeout ?? 600) * 1000
  const interval = (opts.pollInterval ?? 5) * 1000
  const results = await mapPool(group, group.length, async (t) => {
    const before = await probe(t)
    if (before.state !== 'up' || !before.probe?.bootId) return { name: t.name, why: `not rebooted: ${before.error ?? 'no boot id'}` }
    const rebooting = await withNode({ ...t, address: t.address! }, ssh, (r) => r.run(['systemctl', 'reboot'], { reject: false }))
      .then((r) => (r.exitCode === 0 ? undefined : `systemctl reboot exited with ${r.exitCode}: ${r.stderr.trim().split('\n').pop() ?? ''}`), () => undefined)
    if (rebooting) return { name: t.name, why: rebooting }
    let last = 'did not answer since the reboot'
    while (Date.now() < deadline) {
      await sleep(interval, ctx.signal)
      const now = await probe(t)
      if (now.state !== 'up') { last = `not answering (${now.error ?? now.state})`; continue }
      if (now.probe?.bootId === before.probe.bootId) { last = 'still up with the same boot id (the reboot did not happen)'; continue }
      if (now.stale.length > 0) return { name: t.name, why: `came back not current: ${now.stale.join('; ')}` }
      return undefined
    }
    return { name: t.name, why: `${last} within ${opts.timeout ?? 600} s` }
  })
  return results.filter((r): r is { name: string; why: string } => r !== undefined)
}
