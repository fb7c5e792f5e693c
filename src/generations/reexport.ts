import { readFile } from 'node:fs/promises'
import type { Ctx } from '../context.js'
import { MANAGED_PATHS } from '../services/index.js'
import { RELOAD } from '../services/files.js'
import { MANAGED_MARK } from '../services/values.js'

/**
 * After a swap: the NFS server resolves the exported path again, so new mounts get the new
 * directory (kernel NFS: exportfs -r flushes its cache; ganesha: a reload). Clients already
 * booted keep their file handles, which name the inodes of the renamed generation.
 * Only on a server where `sidus server apply` installed the exports; else the reason.
 */
export async function reexportRoots(ctx: Ctx): Promise<{ done: boolean; note?: string }> {
  const kernel = ctx.config.nfs.server === 'kernel'
  const file = kernel ? MANAGED_PATHS.exports : MANAGED_PATHS.ganesha
  const text = await readFile(file, 'utf8').catch(() => '')
  if (!text.includes(MANAGED_MARK)) return { done: false, note: `${file} is not sidus's (sidus server apply was not run): the NFS exports were not refreshed` }
  const argv = RELOAD[kernel ? 'nfs-kernel-server' : 'nfs-ganesha']
  const r = await ctx.runner.run(argv, { reject: false })
  if (r.exitCode !== 0) {
    const note = `${argv.join(' ')} failed (${r.stderr.trim().split('\n').at(-1) ?? r.exitCode}): new clients may still mount the previous generation until it is run`
    ctx.log?.(`warning: ${note}`)
    return { done: false, note }
  }
  return { done: true }
}
