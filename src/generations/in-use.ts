import type { Ctx } from '../context.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { eventLogFile, readEventsBackwards } from '../serve/events.js'
import { generationDir } from '../state/layout.js'
import { numberedAt } from './number.js'

export interface GenerationsInUse {
  /** generation → the nodes (their MAC when not in the inventory) whose last boot was of it */
  byGeneration: Map<number, string[]>
  /** generations the records cannot vouch for: they became live before the oldest record */
  unknown: number[]
  /** when the oldest boot record was written */
  recordsSince?: string
}

/**
 * Which of the `kept` generations of `name` a booted client may still run on, from the boot
 * records of `sidus serve`: a machine runs what it booted last, and serve records the live
 * generation with every kernel it sends. A generation that was live before the records begin
 * (rotated away, or served by TFTP before) is unknown. Undefined when there are no records to
 * tell at all: the site boots by TFTP (boot.loader pxelinux), nginx sends the kernels
 * (http.static: nginx), or serve never ran.
 */
export async function generationsInUse(ctx: Pick<Ctx, 'config'>, name: string, kept: number[]): Promise<GenerationsInUse | undefined> {
  checkInstanceName(name)
  if (ctx.config.boot.loader !== 'ipxe-http' || ctx.config.http.static === 'nginx') return undefined
  const file = eventLogFile(ctx.config)
  const lastBoot = new Map<string, { node: string; instance: string | null; generation?: number | null }>()
  let oldest: string | undefined
  let unrecorded = false
  // no log (or an empty one) leaves `oldest` unset: no records to tell
  await readEventsBackwards(file, (e) => {
    oldest = e.time
    if (e.kind !== 'kernel' || e.mac === null || (e.status !== 200 && e.status !== 206) || lastBoot.has(e.mac)) return true
    lastBoot.set(e.mac, { node: e.node ?? e.mac, instance: e.instance, generation: e.generation })
    return true
  })
  const byGeneration = new Map<number, string[]>()
  for (const boot of lastBoot.values()) {
    if (boot.instance !== name) continue
    // a kernel sent by a serve that did not record generations yet
    if (typeof boot.generation !== 'number') { unrecorded = true; continue }
    byGeneration.set(boot.generation, [...(byGeneration.get(boot.generation) ?? []), boot.node])
  }
  if (unrecorded || oldest === undefined) return undefined
  const unknown: number[] = []
  for (const n of kept) {
    if (Date.parse(oldest) > Date.parse(await numberedAt(generationDir(ctx.config, name, n)))) unknown.push(n)
  }
  return { byGeneration, unknown, recordsSince: oldest }
}
