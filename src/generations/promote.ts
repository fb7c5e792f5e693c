import type { Ctx } from '../context.js'
import { NotFoundError, StateError, UsageError } from '../errors.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { entryExists, isDirectory } from '../fs.js'
import { generationDir, stageDir } from '../state/layout.js'
import { withInstanceLock } from './lock.js'
import { readGeneration, writeGeneration } from './number.js'
import { requireStage } from './stage.js'
import { keptGenerations, refuseWithMaster, requireLiveRoot } from './store.js'
import { replaySwapLocked, runSwap, type SwapResult } from './swap.js'

export interface PromoteResult extends SwapResult {
  /** kept generations beyond generations.keep, for `sidus generations prune` */
  beyondKeep: number[]
}

/**
 * `sidus promote NAME`: the stage becomes the live root (same path, so the same export), numbered
 * one above every generation there is; the previous live root is kept under its number. Run
 * again after a crash, it finishes the interrupted swap.
 */
export async function promote(ctx: Ctx, name: string, opts: { force?: boolean } = {}): Promise<PromoteResult> {
  checkInstanceName(name)
  return withInstanceLock(ctx, name, async () => {
    const replayed = await replaySwapLocked(ctx, name)
    // `sidus promote` again after a crash: the interrupted swap, finished, is the answer
    if (replayed && !(await isDirectory(stageDir(ctx.config, name)))) return { ...replayed, beyondKeep: await beyondKeep(ctx, name) }
    const stage = await requireStage(ctx, name)
    await refuseWithMaster(ctx, name, 'promoting a stage', opts.force)
    const live = await requireLiveRoot(ctx, name)
    const outgoing = await readGeneration(live)
    const kept = await keptGenerations(ctx, name)
    const incoming = Math.max(outgoing, ...kept) + 1
    await refuseTaken(ctx, name, outgoing)
    await writeGeneration(stage, incoming)
    const r = await runSwap(ctx, { op: 'promote', instance: name, outgoing, incoming, from: stage, started: '', pid: 0 })
    return { ...r, beyondKeep: await beyondKeep(ctx, name) }
  })
}

/** `sidus rollback NAME [--to N]`: a kept generation (default: the newest one older than the live one) becomes live again; the live one is kept. */
export async function rollback(ctx: Ctx, name: string, opts: { to?: number; force?: boolean } = {}): Promise<PromoteResult> {
  checkInstanceName(name)
  if (opts.to !== undefined && (!Number.isInteger(opts.to) || opts.to < 1)) throw new UsageError(`--to ${opts.to} is not a generation number`, { suggestion: `see sidus generations ${name}` })
  return withInstanceLock(ctx, name, async () => {
    await replaySwapLocked(ctx, name)
    await refuseWithMaster(ctx, name, 'a rollback', opts.force)
    const live = await requireLiveRoot(ctx, name)
    const outgoing = await readGeneration(live)
    const kept = await keptGenerations(ctx, name)
    const target = opts.to ?? kept.find((n) => n < outgoing)
    if (target === outgoing) throw new UsageError(`generation ${outgoing} is already the live one of ${name}`, { suggestion: `see sidus generations ${name}` })
    if (target === undefined || !kept.includes(target)) {
      throw new NotFoundError(target === undefined ? `${name} has no kept generation older than the live one (${outgoing})` : `${name} has no kept generation ${target}`, {
        suggestion: kept.length > 0 ? `kept: ${kept.join(', ')}; pick one with --to N` : `nothing to roll back to; see sidus generations ${name}`,
      })
    }
    await refuseTaken(ctx, name, outgoing)
    const r = await runSwap(ctx, { op: 'rollback', instance: name, outgoing, incoming: target, from: generationDir(ctx.config, name, target), started: '', pid: 0 })
    return { ...r, beyondKeep: await beyondKeep(ctx, name) }
  })
}

/** The live root is kept under its number: a directory with that number already would be overwritten. */
async function refuseTaken(ctx: Ctx, name: string, outgoing: number): Promise<void> {
  const dir = generationDir(ctx.config, name, outgoing)
  if (await entryExists(dir)) {
    throw new StateError(`the live root of ${name} says it is generation ${outgoing}, but ${dir} exists too`, {
      suggestion: `compare the two; renumber the live one (its /etc/sidus-generation) or move ${dir} aside`,
    })
  }
}

async function beyondKeep(ctx: Ctx, name: string): Promise<number[]> {
  return (await keptGenerations(ctx, name)).slice(ctx.config.generations.keep)
}
