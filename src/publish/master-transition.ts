import type { Ctx } from '../context.js'
import { NotFoundError } from '../errors.js'
import type { MasterEntry } from '../state/masters.js'
import { commitMasterLocked, migrateLegacyMastersLocked } from '../inventory/masters.js'
import { faultPoint } from './fault.js'
import { clearMasterJournal, readMasterJournal, writeMasterJournal, type MasterJournal } from './master-journal.js'
import { syncServices } from './master-services.js'
import { listMasterFiles, masterTreeEntries } from './plan.js'
import { publishedKernels, scanTree } from './scan.js'
import { loadMenuTemplates } from './templates.js'
import { writeTree, type TreeEntry } from './writer.js'

/**
 * The steps of a master change, in order; a fault can be injected after each.
 * The order keeps one master at every instant:
 *   journal            the intent is on disk: a crash from here on is rolled forward
 *   old-files-removed  the old MAC's per-MAC files are gone: nothing boots rw any more
 *   state              nodes.yaml's rw node of the instance is the new master (one atomic rename: the commit)
 *   services           exports and DHCP re-rendered from nodes.yaml: the rw export moves
 *   pxelinux/ipxe/grub the new MAC's files appear, one by one
 * and the journal is removed. Two MACs never have boot files for one root at once,
 * and the rw export always belongs to the master nodes.yaml names. The per-MAC files
 * are tree content: they are written and removed through the tree writer, step by step.
 */
export const MASTER_STEPS = ['journal', 'old-files-removed', 'state', 'services', 'pxelinux', 'ipxe', 'grub'] as const
const FILE_STEPS = ['pxelinux', 'ipxe', 'grub'] as const

export interface TransitionOptions {
  /** write the services' files under this directory instead of / (tests) */
  servicesRoot?: string
  /** completing an interrupted change: a target without kernels is recorded anyway */
  replay?: boolean
}

export interface TransitionResult { written: string[]; removed: string[]; services?: string }

export async function runTransition(
  ctx: Ctx, change: { op: MasterJournal['op']; instance: string; target: MasterEntry | null; previous: MasterEntry | null }, opts: TransitionOptions = {},
): Promise<TransitionResult> {
  const { config } = ctx
  const tftp = config.paths.tftp
  const { op, instance, target } = change
  // everything is rendered before anything changes on disk
  let entries: TreeEntry[] = []
  if (target) {
    const kernels = publishedKernels(instance, await scanTree(tftp))
    const rendered = masterTreeEntries(config, target, kernels, await loadMenuTemplates())
    if (!rendered && !opts.replay) {
      throw new NotFoundError(`${instance} has no kernel published in ${tftp}: its master would have nothing to boot`, {
        suggestion: `publish it first: sidus publish ${instance}`,
      })
    }
    if (!rendered) ctx.log?.(`warning: ${instance} has no kernel published: its master ${target.mac} gets no boot files until \`sidus publish ${instance}\``)
    entries = rendered ?? []
  }

  await writeMasterJournal(config, { ...change, started: new Date().toISOString(), pid: process.pid })
  faultPoint(op, 'journal')

  const keep = new Set(entries.map((e) => e.path))
  const removed = (await writeTree(tftp, [], (await listMasterFiles(tftp, instance)).filter((f) => !keep.has(f)))).map((c) => c.path)
  faultPoint(op, 'old-files-removed')

  await commitMasterLocked(config, instance, target)
  faultPoint(op, 'state')

  const services = await syncServices(ctx, opts.servicesRoot)
  faultPoint(op, 'services')

  const written: string[] = []
  for (const [i, e] of entries.entries()) {
    await writeTree(tftp, [e])
    written.push(e.path)
    faultPoint(op, FILE_STEPS[i])
  }
  await clearMasterJournal(config)
  return { written, removed, services }
}

/**
 * Finish a master change a killed sidus left half done (see MASTER_STEPS): roll it
 * forward to the journal's target; first, move an older sidus's masters.yaml into the
 * inventory. Every writer of masters calls it first. Callers hold the tree lock.
 */
export async function replayMasterJournalLocked(ctx: Ctx, opts: { servicesRoot?: string } = {}): Promise<MasterJournal | undefined> {
  await migrateLegacyMastersLocked(ctx)
  const journal = await readMasterJournal(ctx.config)
  if (!journal) return undefined
  ctx.log?.(`completing an interrupted ${journal.op.replace('-', ' ')} of ${journal.instance} (pid ${journal.pid}, ${journal.started})`)
  await runTransition(ctx, journal, { ...opts, replay: true })
  return journal
}
