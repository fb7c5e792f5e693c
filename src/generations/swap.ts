import { rename } from 'node:fs/promises'
import type { Ctx } from '../context.js'
import { StateError } from '../errors.js'
import { entryExists } from '../fs.js'
import { faultPoint } from '../publish/fault.js'
import { publish } from '../publish/index.js'
import { generationDir, rootDir } from '../state/layout.js'
import { clearSwapJournal, readSwapJournal, writeSwapJournal, type SwapJournal } from './journal.js'
import { reexportRoots } from './reexport.js'
import { withInstanceLock } from './lock.js'

/**
 * The steps of a swap, in order; a fault can be injected after each (SIDUS_FAULT=promote:<step>).
 *   journal         the intent is on disk: from here on a crash is rolled forward
 *   live-moved      the live root is renamed to .generations/<name>/<outgoing>, whole
 *   incoming-moved  the stage (or the kept generation) is renamed to the live path, whole
 *   services        the NFS exports are refreshed: new mounts get the new directory
 *   published       the menus point at the new generation's kernels
 * and the journal is removed. Both renames stay on one file system: each is atomic, and every
 * root is always one complete directory. Between the two the live path is briefly absent
 * (no exchanging rename on this platform): a crash there leaves both roots whole in
 * .generations and the journal, and the next sidus that takes the lock finishes the swap.
 */
export const SWAP_STEPS = ['journal', 'live-moved', 'incoming-moved', 'services', 'published'] as const

export interface SwapResult {
  instance: string
  /** the live generation now, and the one that was live and is kept */
  live: number
  kept: number
  root: string
  /** why the exports were not refreshed, when they were not */
  exportsNote?: string
  /** why the menus were not updated, when they were not */
  publishNote?: string
}

/** Run (or, from a journal, finish) a swap. The caller holds the instance lock. */
export async function runSwap(ctx: Ctx, journal: SwapJournal, opts: { replay?: boolean } = {}): Promise<SwapResult> {
  const { config } = ctx
  const live = rootDir(config, journal.instance)
  const kept = generationDir(config, journal.instance, journal.outgoing)
  if (!opts.replay) await writeSwapJournal(config, { ...journal, started: new Date().toISOString(), pid: process.pid })
  faultPoint(journal.op, 'journal')

  if (!(await entryExists(kept))) await rename(live, kept)
  faultPoint(journal.op, 'live-moved')

  if (await entryExists(journal.from)) {
    if (await entryExists(live)) {
      throw new StateError(`${live} and ${journal.from} both exist while ${kept} holds generation ${journal.outgoing}: the interrupted ${journal.op} of ${journal.instance} cannot tell which is live`, {
        suggestion: `keep the right root at ${live}, move the other aside, then remove ${config.paths.state}/generations/${journal.instance}.journal.yaml`,
      })
    }
    await rename(journal.from, live)
  }
  faultPoint(journal.op, 'incoming-moved')

  const exported = await reexportRoots(ctx)
  faultPoint(journal.op, 'services')

  let publishNote: string | undefined
  try {
    await publish(ctx, [journal.instance])
  } catch (error) {
    // the swap is done and must stay done: a tree that cannot be written is told, not undone
    publishNote = `the menus were not updated (${(error as Error).message}): run sidus publish ${journal.instance}`
    ctx.log?.(`warning: ${publishNote}`)
  }
  faultPoint(journal.op, 'published')
  await clearSwapJournal(config, journal.instance)
  return { instance: journal.instance, live: journal.incoming, kept: journal.outgoing, root: live, exportsNote: exported.note, publishNote }
}

/** Finish a swap a killed sidus left half done (see SWAP_STEPS). The caller holds the instance lock. */
export async function replaySwapLocked(ctx: Ctx, name: string): Promise<SwapResult | undefined> {
  const journal = await readSwapJournal(ctx.config, name)
  if (!journal) return undefined
  ctx.log?.(`completing an interrupted ${journal.op} of ${name} to generation ${journal.incoming} (pid ${journal.pid}, ${journal.started})`)
  return runSwap(ctx, journal, { replay: true })
}

/** For commands that use the live root (exec, shell): finish an interrupted swap first, if there is one. */
export async function completeInterruptedSwap(ctx: Ctx, name: string): Promise<void> {
  if (!(await readSwapJournal(ctx.config, name))) return
  await withInstanceLock(ctx, name, () => replaySwapLocked(ctx, name))
}
