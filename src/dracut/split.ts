import { lstat, readdir, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { assetPath } from '../assets.js'
import { runInRoot } from '../chroot/session.js'
import { resolveInRoot } from '../chroot/root.js'
import type { Ctx } from '../context.js'
import { rootSplitDir, SPLIT_ALL, SPLIT_BASE, SPLIT_FILE } from '../domain/nic-split.js'
import { initrdPath } from './paths.js'

export interface SplitInitrd {
  /** the directory of the pieces, as the root sees it */
  dir: string
  baseBytes: number
  /** the biggest vendor piece: what base adds up to at most for a PCI NIC of a known vendor */
  largest?: { file: string; bytes: number }
  allBytes: number
  vendors: number
}

/** exit status of split-nics.sh for an image it does not split (no zstd/gzip, no PCI NIC driver) */
const NOT_SPLIT = 3

/**
 * Split a root's freshly built initrd (split-nics.sh, run inside the root with its own cpio and
 * zstd) and put the pieces in place in one rename; the pieces of an earlier build go after.
 * Returns undefined, with the reason logged, for an image the script does not split.
 */
export async function splitInitrd(ctx: Ctx, name: string, root: string, kernel: string, opts: { rootDir?: string } = {}): Promise<SplitInitrd | undefined> {
  const final = rootSplitDir(kernel)
  const fresh = `${final}.sidus-new`
  // /boot resolved inside the root, the names in it never followed: a symlink planted under one
  // of them is renamed or removed itself, never what it points at
  const boot = await resolveInRoot(root, path.dirname(final))
  const at = (rel: string) => path.join(boot, path.basename(rel))
  const finalAbs = at(final)
  const oldAbs = at(`${final}.sidus-old`)
  // what a killed build left (the script's own temp is fresh.tmp)
  for (const abs of [at(fresh), at(`${fresh}.tmp`), oldAbs]) await rm(abs, { recursive: true, force: true })
  const script = await readFile(assetPath('dracut/split-nics.sh'), 'utf8')
  const r = await runInRoot(ctx, name, ['sh', '-c', script, 'split-nics', kernel, initrdPath(kernel), `/${fresh}`], { rootDir: opts.rootDir, stdio: 'pipe', reject: false })
  if (r.exitCode === NOT_SPLIT) {
    ctx.log?.(`warning: ${r.stderr.trim()}; iPXE clients pull the whole initrd`)
    await rm(finalAbs, { recursive: true, force: true })
    return undefined
  }
  if (r.exitCode !== 0) {
    await rm(at(`${fresh}.tmp`), { recursive: true, force: true })
    throw new Error(`splitting ${initrdPath(kernel)} of ${name} failed (sh split-nics.sh exited with ${r.exitCode}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`)
  }
  await rename(finalAbs, oldAbs).catch((error: NodeJS.ErrnoException) => { if (error.code !== 'ENOENT') throw error })
  await rename(at(fresh), finalAbs)
  await rm(oldAbs, { recursive: true, force: true })

  let baseBytes = 0
  let allBytes = 0
  let vendors = 0
  let largest: SplitInitrd['largest']
  for (const file of (await readdir(finalAbs)).filter((f) => SPLIT_FILE.test(f)).sort()) {
    const bytes = (await lstat(path.join(finalAbs, file))).size
    if (file === SPLIT_BASE) baseBytes = bytes
    else if (file === SPLIT_ALL) allBytes = bytes
    else {
      vendors++
      if (!largest || bytes > largest.bytes) largest = { file, bytes }
    }
  }
  return { dir: `/${final}`, baseBytes, largest, allBytes, vendors }
}
