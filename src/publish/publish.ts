import { rmdir } from 'node:fs/promises'
import path from 'node:path'
import { parseSplitPath } from '../domain/nic-split.js'
import type { Ctx } from '../context.js'
import { PXELINUX_MENU } from '../domain/tftp.js'
import { pathExists } from '../fs.js'
import { sweepTemps } from '../state/atomic.js'
import { readMasters } from '../inventory/masters.js'
import { loadInventory } from '../inventory/file.js'
import { resolveNode } from '../inventory/model.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { withTreeLock } from './lock.js'
import { replayMasterJournalLocked } from './master-transition.js'
import { planTree } from './plan.js'
import { loadMenuTemplates } from './templates.js'
import { applyChanges, planChanges, type TreeChange } from './writer.js'

export interface PublishOptions {
  /** render and diff, write nothing */
  dryRun?: boolean
  /** where the boot loader packages are installed (default '/'); tests point it elsewhere */
  hostRoot?: string
}

export interface PublishSummary {
  dryRun: boolean
  /** the TFTP tree */
  tftp: string
  /** every instance in the menus, with the kernel versions it boots (newest first) */
  instances: { name: string; kernels: string[] }[]
  added: string[]
  updated: string[]
  removed: string[]
  /** unified diffs of the menus and master files that change */
  menus: { path: string; action: 'add' | 'update' | 'remove'; diff: string }[]
  warnings: string[]
  /** false when the tree already was what it should be */
  changed: boolean
}

/**
 * Make the TFTP tree what clients need: kernels and initrds of the named instances
 * (all when none is named) as vmlinuz-<kver>@<name>, links in efi32/ and efi64/, the
 * boot loaders, the menus and the masters' per-MAC files. Nothing is rewritten when
 * nothing changed.
 */
export async function publish(ctx: Ctx, names: string[], opts: PublishOptions = {}): Promise<PublishSummary> {
  names.forEach((n) => checkInstanceName(n))
  return withTreeLock(ctx, async () => {
    if (!opts.dryRun) await replayMasterJournalLocked(ctx)
    return publishLocked(ctx, { scope: names.length > 0 ? [...new Set(names)] : undefined, dryRun: opts.dryRun, hostRoot: opts.hostRoot })
  })
}

/**
 * Take an instance's boot files out of the tree (kernels, initrds, their links, its
 * master's per-MAC files) and its entries out of the menus. Used by `sidus delete`,
 * after the root was moved aside. Returns the removed paths.
 */
export async function unpublishInstance(ctx: Ctx, name: string, opts: { hostRoot?: string } = {}): Promise<string[]> {
  checkInstanceName(name)
  return withTreeLock(ctx, async () => {
    const summary = await publishLocked(ctx, { scope: [], exclude: [name], hostRoot: opts.hostRoot, loaders: false })
    return summary.removed
  })
}

/**
 * After the inventory changed: the nodes' per-MAC files follow it (kernels, loaders and menus
 * stay as they are). Nothing happens in a tree that was never published: publish writes them.
 * The caller holds the tree lock.
 */
export async function refreshNodeFilesLocked(ctx: Ctx): Promise<PublishSummary | undefined> {
  if (!(await pathExists(path.join(ctx.config.paths.tftp, PXELINUX_MENU)))) return undefined
  return publishLocked(ctx, { scope: [], loaders: false, perMacFiles: true })
}

async function publishLocked(ctx: Ctx, o: { scope?: string[]; exclude?: string[]; dryRun?: boolean; hostRoot?: string; loaders?: boolean; perMacFiles?: boolean }): Promise<PublishSummary> {
  const config = ctx.config
  const inventory = await loadInventory(config)
  const plan = await planTree(config, {
    scope: o.scope, exclude: o.exclude, hostRoot: o.hostRoot, loaders: o.loaders, masters: await readMasters(config),
    nodes: inventory.nodes.map((n) => resolveNode(inventory, n)), templates: await loadMenuTemplates(),
  })
  try {
    for (const w of plan.warnings) ctx.log?.(`warning: ${w}`)
    // what writers killed mid-write (kill -9, power loss) left: a full-size initrd temp, say
    if (!o.dryRun) for (const [dir, depth] of [[config.paths.tftp, 2], [config.paths.state, 1]] as const) await sweepTemps(dir, { depth })
    let changes = await planChanges(config.paths.tftp, plan.desired, plan.removals)
    // unpublishing updates the menus that exist; it does not start a tree that was never published
    if (o.loaders === false && !o.perMacFiles) changes = changes.filter((c) => c.action !== 'add')
    if (!o.dryRun && changes.length > 0) {
      await applyChanges(config.paths.tftp, changes, ctx.signal)
      await removeEmptySplitDirs(config.paths.tftp, changes)
    }
    return summarize(config.paths.tftp, plan.instances, changes, plan.warnings, o.dryRun ?? false)
  } finally {
    await plan.close()
  }
}

/** A split initrd's directory whose pieces all went goes too (rmdir: only when empty). */
async function removeEmptySplitDirs(tftp: string, changes: TreeChange[]): Promise<void> {
  const dirs = new Set(changes.filter((c) => c.action === 'remove' && parseSplitPath(c.path)).map((c) => path.dirname(c.path)))
  for (const dir of dirs) await rmdir(path.join(tftp, dir)).catch(() => { /* not empty, or gone */ })
}

function summarize(tftp: string, instances: { name: string; kernels: { kver: string }[] }[], changes: TreeChange[], warnings: string[], dryRun: boolean): PublishSummary {
  const pick = (a: TreeChange['action']) => changes.filter((c) => c.action === a).map((c) => c.path).sort()
  return {
    dryRun,
    tftp,
    instances: instances.map((i) => ({ name: i.name, kernels: i.kernels.map((k) => k.kver) })),
    added: pick('add'),
    updated: pick('update'),
    removed: pick('remove'),
    menus: changes.filter((c) => c.diff).map((c) => ({ path: c.path, action: c.action, diff: c.diff! })),
    warnings,
    changed: changes.length > 0,
  }
}
