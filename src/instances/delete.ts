import { access, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Ctx } from '../context.js'
import { BusyError, ConflictError, NotFoundError } from '../errors.js'
import { generationsDir, instanceMetaFile, lockFile, rootDir } from '../state/layout.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { mountsUnder } from '../domain/mounts.js'

export interface DeleteResult { name: string; root: string; removedBootFiles: string[]; masterRemoved: boolean }

/** What delete needs from publish and master, injected to keep this module one concern. */
export interface DeleteHooks {
  unpublish(ctx: Ctx, name: string): Promise<string[]>
  forgetMaster(ctx: Ctx, name: string): Promise<boolean>
}

/**
 * Delete an instance: refuse while anything is mounted beneath it or a session
 * holds its lock; move it aside (it vanishes from the tree at once), remove its boot
 * files and master, then remove the files without ever leaving its file system.
 */
export async function deleteInstance(ctx: Ctx, name: string, hooks: DeleteHooks): Promise<DeleteResult> {
  checkInstanceName(name)
  const root = rootDir(ctx.config, name)
  try { await access(root) } catch {
    throw new NotFoundError(`no instance ${name}: ${root} does not exist`, { suggestion: 'see `sidus list`' })
  }
  const mounts = await mountsUnder(root)
  if (mounts.length > 0) {
    throw new ConflictError(`refusing to delete ${name}: mounted beneath ${root}: ${mounts.join(', ')}`, {
      suggestion: `unmount them first (umount ${mounts[0]}), then run sidus delete again`,
    })
  }
  const lock = lockFile(ctx.config, name)
  await ctx.runner.run(['mkdir', '-p', path.dirname(lock)])
  const trash = path.join(ctx.config.paths.roots, `.${name}.sidus-delete-${process.pid}`)
  // take the instance lock for the move so no exec session starts in the middle of it
  const moved = await ctx.runner.run(['flock', '--nonblock', '--conflict-exit-code', '75', lock, 'mv', '-T', '--', root, trash], { reject: false })
  if (moved.exitCode === 75) {
    throw new BusyError(`instance ${name} is in use: a sidus exec/shell session holds its lock`, { suggestion: 'wait for it to finish, then delete again' })
  }
  if (moved.exitCode !== 0) throw new ConflictError(`cannot move ${root} aside: ${moved.stderr.trim()}`)
  const removedBootFiles = await hooks.unpublish(ctx, name)
  const masterRemoved = await hooks.forgetMaster(ctx, name)
  const r = await ctx.runner.run(['rm', '-rf', '--one-file-system', '--', trash], { reject: false })
  if (r.exitCode !== 0) {
    throw new ConflictError(`${name} was unpublished but some files were left in ${trash}: ${r.stderr.trim().split('\n').slice(-3).join('; ')}`, {
      suggestion: `they lie on another file system or are mounted; inspect ${trash} and remove it by hand`,
    })
  }
  // its stage and kept generations go with it (a new instance of that name starts at generation 1)
  const gens = await ctx.runner.run(['rm', '-rf', '--one-file-system', '--', generationsDir(ctx.config, name)], { reject: false })
  if (gens.exitCode !== 0) ctx.log?.(`warning: ${generationsDir(ctx.config, name)} was not removed whole (${gens.stderr.trim().split('\n').at(-1)}): remove it by hand`)
  await rm(instanceMetaFile(ctx.config, name), { force: true })
  return { name, root, removedBootFiles, masterRemoved }
}
