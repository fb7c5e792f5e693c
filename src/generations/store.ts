import { lstat, readdir, rename } from 'node:fs/promises'
import path from 'node:path'
import type { Ctx } from '../context.js'
import { ConflictError, ExternalError, NotFoundError } from '../errors.js'
import { instanceHasRwNode } from '../master/index.js'
import { generationsDir, rootDir } from '../state/layout.js'

/** The kept generations of an instance (numbered directories under .generations/<name>), newest first. */
export async function keptGenerations(ctx: Pick<Ctx, 'config'>, name: string): Promise<number[]> {
  let entries: string[]
  try {
    entries = await readdir(generationsDir(ctx.config, name))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return entries.filter((e) => /^[1-9]\d*$/.test(e)).map(Number).sort((a, b) => b - a)
}

/** The live root, which must be a real directory (a swap renames it). */
export async function requireLiveRoot(ctx: Pick<Ctx, 'config'>, name: string): Promise<string> {
  const live = rootDir(ctx.config, name)
  const st = await lstat(live).catch(() => undefined)
  if (!st) throw new NotFoundError(`no instance ${name}: ${live} does not exist`, { suggestion: 'see `sidus list`' })
  if (!st.isDirectory()) {
    throw new ConflictError(`${live} is not a plain directory (a symlink?): generations swap the directory itself`, {
      suggestion: `make ${live} the root's real directory on the same file system as ${ctx.config.paths.roots}`,
    })
  }
  return live
}

/** A master boots the live root read-write and edits it directly: copying or swapping it under that machine is refused unless forced. */
export async function refuseWithMaster(ctx: Pick<Ctx, 'config'>, name: string, what: string, force?: boolean): Promise<void> {
  const master = await instanceHasRwNode(ctx, name)
  if (!master || force) return
  throw new ConflictError(`${name} has a read-write master (${master.mac}${master.ip ? `, ${master.ip}` : ''}) that edits the live root directly: ${what} would miss or undo its changes`, {
    suggestion: `unset it first (sidus master unset ${name}), or run again with --force if the master is down`,
  })
}

/** Remove a directory tree of the roots: renamed aside first (it vanishes at once), then removed without leaving its file system. */
export async function removeTree(ctx: Pick<Ctx, 'runner'>, dir: string): Promise<void> {
  const aside = path.join(path.dirname(dir), `.remove-${path.basename(dir)}-${process.pid}`)
  await rename(dir, aside)
  await removeLeftover(ctx, aside)
}

export async function removeLeftover(ctx: Pick<Ctx, 'runner'>, dir: string): Promise<void> {
  const r = await ctx.runner.run(['rm', '-rf', '--one-file-system', '--', dir], { reject: false })
  if (r.exitCode !== 0) throw new ExternalError(`cannot remove ${dir}: ${r.stderr.trim().split('\n').slice(-3).join('; ')}`, { suggestion: `something is mounted beneath it or it spans file systems: inspect and remove ${dir} by hand` })
}

/** What killed copies and removals left in .generations/<name> (dot-entries): removed. */
export async function sweepLeftovers(ctx: Pick<Ctx, 'config' | 'runner'>, name: string): Promise<void> {
  const dir = generationsDir(ctx.config, name)
  for (const e of await readdir(dir).catch(() => [] as string[])) {
    if (/^\.(stage-tmp|remove)-/.test(e)) await removeLeftover(ctx, path.join(dir, e))
  }
}
