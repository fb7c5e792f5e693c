import { readlink, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { rootDir } from '../state/layout.js'
import { resolveInRoot } from '../domain/root-path.js'

/** The root-safe resolver lives with the other root reads (src/domain/root-path.ts). */
export { resolveInRoot }

/**
 * The directory a session chroots into: `<paths.roots>/<name>` (the name is checked before any
 * path is built), or `override` (create's staging directory). Symlinks resolved; must exist.
 */
export async function locateRoot(config: SidusConfig, name: string, override?: string): Promise<string> {
  const wanted = override ?? rootDir(config, name)
  let real: string
  try {
    real = await realpath(wanted)
    if (!(await stat(real)).isDirectory()) throw new Error('not a directory')
  } catch {
    throw new NotFoundError(`no instance ${name}: ${wanted} is not a directory`, {
      suggestion: override ? `check the directory ${override}` : `see \`sidus list\` for the instances under ${config.paths.roots}, or create it with \`sidus create ${name}\``,
    })
  }
  if (real === '/') throw new ConflictError(`${wanted} resolves to /: a session never chroots into the server's own root`)
  return real
}

/** Where a session mounts a file system: plain directories of the root, never through a symlink. */
export const MOUNT_POINTS = ['proc', 'sys', 'dev', 'run'] as const

/** Refuse a root whose /proc, /sys, /dev or /run is a symlink (to /etc, say): we would mount over its target. */
export async function checkMountPoints(root: string): Promise<void> {
  for (const rel of MOUNT_POINTS) {
    const lexical = path.join(root, rel)
    const resolved = await resolveInRoot(root, rel)
    if (resolved !== lexical) {
      const shown = await readlink(lexical).catch(() => path.relative(root, resolved))
      throw new ConflictError(`${lexical} is a symlink (to ${shown}): a session will not mount /${rel} through it`, {
        suggestion: `make it a plain directory: rm ${lexical} && mkdir ${lexical}`,
      })
    }
  }
}
