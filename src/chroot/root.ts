import { lstat, readlink, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { rootDir } from '../state/layout.js'

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

/**
 * Resolve `rel` the way a process chrooted into `root` would see it: absolute symlinks
 * restart at the root and `..` never climbs above it, so the result is always inside the root
 * (the server's /etc can never be the answer). Missing components are kept as written.
 */
export async function resolveInRoot(root: string, rel: string): Promise<string> {
  const pending = rel.split('/').filter((p) => p !== '' && p !== '.')
  const done: string[] = []
  let links = 0
  while (pending.length > 0) {
    const part = pending.shift()!
    if (part === '..') {
      done.pop()
      continue
    }
    const candidate = path.join(root, ...done, part)
    let isLink = false
    try {
      isLink = (await lstat(candidate)).isSymbolicLink()
    } catch {
      isLink = false
    }
    if (!isLink) {
      done.push(part)
      continue
    }
    if (++links > 40) throw new ConflictError(`too many symlinks resolving /${rel} inside ${root}`)
    const target = await readlink(candidate)
    if (target.startsWith('/')) done.length = 0
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'))
  }
  return path.join(root, ...done)
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
