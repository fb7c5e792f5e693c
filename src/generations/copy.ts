import { lstat, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Ctx } from '../context.js'
import { ExternalError } from '../errors.js'

/**
 * The parts of a root that programs edit in place (config files, logs, databases, root's
 * dotfiles, and /boot: dracut, run by the kernel hooks, writes an initrd over the old one in
 * place): never shared with another generation by hard links, always real copies.
 * Everything else is changed by package tools through rename, so a hard link is safe there.
 */
export const COPIED_DIRS = ['etc', 'var', 'root', 'boot'] as const

export type CopyMethod = 'reflink' | 'hardlink'

export interface CopyResult { method: CopyMethod; copiedBytes: number }

/** Whether the file system of `dir` clones files (btrfs, xfs): `cp --reflink=always` on a probe file there. */
export async function supportsReflink(ctx: Pick<Ctx, 'runner'>, dir: string): Promise<boolean> {
  const probe = path.join(dir, `.reflink-probe-${process.pid}`)
  await writeFile(probe, 'probe\n', { flag: 'wx' })
  try {
    const r = await ctx.runner.run(['cp', '--reflink=always', '--', probe, `${probe}.copy`], { reject: false })
    return r.exitCode === 0
  } finally {
    await rm(probe, { force: true })
    await rm(`${probe}.copy`, { force: true })
  }
}

/**
 * Copy the root `src` to the new directory `dst` (same file system, dst absent): cloned
 * whole where the file system has reflinks; otherwise hard links for everything but
 * COPIED_DIRS, which are copied. cp -a never follows the root's symlinks (they are copied
 * as symlinks), keeps owners, modes, hard links inside a copy, xattrs (file capabilities)
 * and special files; -x stays on the root's file system.
 */
export async function copyRoot(ctx: Pick<Ctx, 'runner'>, src: string, dst: string): Promise<CopyResult> {
  const cp = async (argv: string[]) => {
    const r = await ctx.runner.run(['cp', ...argv], { reject: false })
    if (r.exitCode !== 0) throw new ExternalError(`copying ${src} to ${dst} failed: ${r.stderr.trim().split('\n').slice(-3).join('; ')}`)
  }
  if (await supportsReflink(ctx, path.dirname(dst))) {
    await cp(['-ax', '--reflink=always', '-T', '--', src, dst])
    return { method: 'reflink', copiedBytes: await diskUsage(ctx, [dst]) }
  }
  // the top directory with its owner and mode, then its entries, linked or copied
  const mk = await ctx.runner.run(['mkdir', '--', dst], { reject: false })
  if (mk.exitCode !== 0) throw new ExternalError(`cannot create ${dst}: ${mk.stderr.trim()}`)
  for (const argv of [['chown', `--reference=${src}`, '--', dst], ['chmod', `--reference=${src}`, '--', dst]]) {
    await ctx.runner.run(argv)
  }
  const linked: string[] = []
  const copied: string[] = []
  for (const e of (await readdir(src)).sort()) {
    const st = await lstat(path.join(src, e))
    // a symlink (even /etc as one) is copied as the symlink, never followed
    const copy = st.isDirectory() && (COPIED_DIRS as readonly string[]).includes(e)
    ;(copy ? copied : linked).push(path.join(src, e))
  }
  if (linked.length > 0) await cp(['-alx', '-t', dst, '--', ...linked])
  if (copied.length > 0) await cp(['-ax', '-t', dst, '--', ...copied])
  return { method: 'hardlink', copiedBytes: await diskUsage(ctx, copied.map((p) => path.join(dst, path.basename(p)))) }
}

/** Bytes under these paths (du -sxb, one invocation: a hard-linked inode is counted once). */
export async function diskUsage(ctx: Pick<Ctx, 'runner'>, paths: string[]): Promise<number> {
  if (paths.length === 0) return 0
  const r = await ctx.runner.run(['du', '-sxbc', '--', ...paths], { reject: false })
  const total = /^(\d+)\s+total$/m.exec(r.stdout)
  return total ? Number(total[1]) : 0
}
