import type { Ctx } from '../context.js'
import { ConflictError } from '../errors.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { generationDir } from '../state/layout.js'
import { generationsInUse } from './in-use.js'
import { reexportRoots } from './reexport.js'
import { withInstanceLock } from './lock.js'
import { keptGenerations, removeTree, requireLiveRoot } from './store.js'
import { replaySwapLocked } from './swap.js'

export interface PruneResult {
  instance: string
  keep: number
  removed: number[]
  /** kept: a node's last boot was of it (by generation, the nodes) */
  inUse: number[]
  inUseBy: Record<number, string[]>
  /** kept: live before the oldest boot record, so a client booted then may still be up */
  unknown: number[]
  exportsNote?: string
}

/**
 * Remove kept generations beyond generations.keep (the oldest), but never one a booted client
 * still runs on: its files would vanish under it (a node's last recorded boot was of it), nor one
 * that was live before the records begin. Without boot records to tell, refused unless forced.
 */
export async function pruneGenerations(ctx: Ctx, name: string, opts: { force?: boolean } = {}): Promise<PruneResult> {
  checkInstanceName(name)
  const keep = ctx.config.generations.keep
  return withInstanceLock(ctx, name, async () => {
    await replaySwapLocked(ctx, name)
    await requireLiveRoot(ctx, name)
    const beyond = (await keptGenerations(ctx, name)).slice(keep)
    if (beyond.length === 0) return { instance: name, keep, removed: [], inUse: [], inUseBy: {}, unknown: [] }
    const used = await generationsInUse(ctx, name, beyond)
    if (used === undefined && !opts.force) {
      throw new ConflictError(`no boot records tell whether a client still runs on generation ${beyond.join(', ')} of ${name}: removing one would pull its files from under it`, {
        suggestion: `make sure no client booted before the current generation is still up (reboot them), then run sidus generations prune ${name} --force`,
      })
    }
    const inUse = opts.force ? [] : beyond.filter((n) => used?.byGeneration.has(n))
    const unknown = opts.force ? [] : beyond.filter((n) => !inUse.includes(n) && used?.unknown.includes(n))
    const inUseBy = Object.fromEntries(inUse.map((n) => [n, used!.byGeneration.get(n)!]))
    const removed: number[] = []
    for (const n of beyond.filter((x) => !inUse.includes(x) && !unknown.includes(x)).sort((a, b) => a - b)) {
      await removeTree(ctx, generationDir(ctx.config, name, n))
      removed.push(n)
    }
    // the removed generations leave the exports
    const exported = removed.length > 0 ? await reexportRoots(ctx) : {}
    return { instance: name, keep, removed, inUse, inUseBy, unknown, exportsNote: exported.note }
  })
}
