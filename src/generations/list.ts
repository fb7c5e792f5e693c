import type { Ctx } from '../context.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { readTextInRoot } from '../domain/root-path.js'
import { isDirectory } from '../fs.js'
import { generationDir, stageDir } from '../state/layout.js'
import { installedPackages, packageChanges, type PackageChanges } from './dpkg-status.js'
import { numberedAt, readGeneration } from './number.js'
import { keptGenerations, requireLiveRoot } from './store.js'
import { completeInterruptedSwap } from './swap.js'

export interface GenerationInfo {
  /** the stage has no number until it is promoted */
  number?: number
  state: 'live' | 'kept' | 'staged'
  path: string
  /** when it was numbered (promoted); a root never promoted: its directory's date */
  date: string
  /** bytes of this tree alone (du -sxb) */
  bytes: number
  /** bytes no newer tree shares with it (hard-linked inodes counted once, in the newest tree) */
  ownBytes: number
  /** against the previous generation (the stage: against the live one); undefined without dpkg status files */
  packages?: PackageChanges & { compared: number | 'none' }
}

export interface GenerationsView { instance: string; live: number; keep: number; generations: GenerationInfo[] }

/** `sidus generations NAME`: the stage, the live root and the kept generations, newest first. */
export async function listGenerations(ctx: Ctx, name: string): Promise<GenerationsView> {
  checkInstanceName(name)
  // an interrupted swap is finished first (which needs the lock); a plain listing takes none
  await completeInterruptedSwap(ctx, name)
  const live = await requireLiveRoot(ctx, name)
  const liveNumber = await readGeneration(live)
  const trees: { number?: number; state: GenerationInfo['state']; path: string }[] = []
  const stage = stageDir(ctx.config, name)
  if (await isDirectory(stage)) trees.push({ state: 'staged', path: stage })
  trees.push({ number: liveNumber, state: 'live', path: live })
  const kept = await keptGenerations(ctx, name)
  for (const n of kept) trees.push({ number: n, state: 'kept', path: generationDir(ctx.config, name, n) })
  // newest first: the live root and the stage own the inodes they share with older generations
  trees.sort((a, b) => (b.number ?? Infinity) - (a.number ?? Infinity))

  const own = await ownSizes(ctx, trees.map((t) => t.path))
  const packages = new Map<string, Map<string, string> | undefined>()
  for (const t of trees) {
    const text = await readTextInRoot(t.path, 'var/lib/dpkg/status')
    packages.set(t.path, text === undefined ? undefined : installedPackages(text))
  }
  const out: GenerationInfo[] = []
  for (const [i, t] of trees.entries()) {
    const mine = packages.get(t.path)
    // the stage is compared with the live root; a generation with the next older one
    const previous = t.state === 'staged' ? trees.find((x) => x.state === 'live') : trees.slice(i + 1).find((x) => x.number !== undefined && x.number < (t.number ?? Infinity))
    const theirs = previous ? packages.get(previous.path) : new Map<string, string>()
    out.push({
      number: t.number,
      state: t.state,
      path: t.path,
      date: await numberedAt(t.path),
      bytes: (await ownSizes(ctx, [t.path]))[0],
      ownBytes: own[i],
      packages: mine && theirs ? { compared: previous?.number ?? 'none', ...packageChanges(theirs, mine) } : undefined,
    })
  }
  return { instance: name, live: liveNumber, keep: ctx.config.generations.keep, generations: out }
}

/** du -sxb over these trees in one run: an inode shared by hard links counts in the first tree only. */
async function ownSizes(ctx: Ctx, paths: string[]): Promise<number[]> {
  const r = await ctx.runner.run(['du', '-sxb', '--', ...paths], { reject: false })
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => Number.parseInt(l, 10))
  return paths.map((_, i) => (Number.isFinite(lines[i]) ? lines[i] : 0))
}
