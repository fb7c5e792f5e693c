import { constants } from 'node:fs'
import { lstat, open, readlink, realpath, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { ConflictError } from '../errors.js'

/**
 * A root is untrusted content: maintainer scripts and admins put anything in it. Every read of
 * a file inside a root goes through here. Paths are resolved as a process chrooted into the
 * root would resolve them, so the answer is always inside the root; files are opened without
 * following a final symlink, and only regular files are handed out, as an open descriptor the
 * caller reads (never the path again: what is checked is what is read).
 */

/** A symlink met while resolving; `outside` when its target, followed on the server, leaves the root. */
export interface RootLink { link: string; target: string; outside: boolean }

/**
 * Resolve `rel` the way a process chrooted into `root` would see it: absolute symlinks
 * restart at the root and `..` never climbs above it, so the result is always inside the root
 * (the server's /etc can never be the answer). Missing components are kept as written.
 */
export async function resolveInRoot(root: string, rel: string): Promise<string> {
  return (await resolveInRootDetailed(root, rel)).path
}

/** resolveInRoot, plus every symlink followed on the way. */
export async function resolveInRootDetailed(root: string, rel: string): Promise<{ path: string; links: RootLink[] }> {
  const pending = rel.split('/').filter((p) => p !== '' && p !== '.')
  const done: string[] = []
  const links: RootLink[] = []
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
    if (links.length >= 40) throw new ConflictError(`too many symlinks resolving /${rel} inside ${root}`)
    const target = await readlink(candidate)
    // as the server would follow it: an absolute target or a `..` chain that climbs out
    const onHost = path.resolve(path.dirname(candidate), target)
    links.push({ link: candidate, target, outside: !isInside(root, onHost) })
    if (target.startsWith('/')) done.length = 0
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'))
  }
  return { path: path.join(root, ...done), links }
}

/** `p` is `root` or below it (lexically). */
export function isInside(root: string, p: string): boolean {
  const r = path.resolve(root)
  const q = path.resolve(p)
  return q === r || q.startsWith(r.endsWith('/') ? r : `${r}/`)
}

/** A regular file of a root, open for reading. */
export interface RootFile {
  /** the file as the root names it, e.g. /boot/vmlinuz-6.1.0-50-amd64 */
  rel: string
  /** where it was found on the server (inside the root) */
  path: string
  size: number
  handle: FileHandle
}

export interface OpenInRootOptions {
  /** refuse a file reached through a symlink whose target, followed on the server, leaves the root */
  refuseOutside?: boolean
  /** told why a file was refused (a symlink out, not a regular file, a race); silent when missing files are simply absent */
  warn?: (line: string) => void
}

/**
 * Open `rel` inside `root` for reading: resolved as inside a chroot, the last component opened
 * with O_NOFOLLOW (a symlink swapped in after resolving is refused by the kernel), only a
 * regular file accepted (fstat on the descriptor), and the descriptor's own path checked to be
 * inside the root (a directory swapped for a symlink meanwhile is caught too).
 * Undefined when there is no such file or it was refused (with a warning naming why).
 */
export async function openInRoot(root: string, rel: string, opts: OpenInRootOptions = {}): Promise<RootFile | undefined> {
  const shown = path.join(root, rel)
  const warn = opts.warn ?? (() => {})
  let resolved: { path: string; links: RootLink[] }
  try {
    resolved = await resolveInRootDetailed(root, rel)
  } catch (error) {
    warn(`${shown}: ${(error as Error).message}; not read`)
    return undefined
  }
  const out = resolved.links.find((l) => l.outside)
  if (out && opts.refuseOutside) {
    warn(`${out.link} is a symlink to ${out.target}, outside the root: refused, not read`)
    return undefined
  }
  let handle: FileHandle
  try {
    // O_NONBLOCK: a FIFO planted in the root must not hang us before fstat refuses it
    handle = await open(resolved.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    warn(`${shown}: cannot be opened safely (${code ?? String(error)}); not read`)
    return undefined
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) {
      warn(`${shown} is not a regular file; not read`)
      await handle.close()
      return undefined
    }
    const realRoot = await realpath(root)
    const actual = await readlink(`/proc/self/fd/${handle.fd}`)
    if (!isInside(realRoot, actual)) {
      warn(`${shown} led to ${actual}, outside the root (it changed while being read): refused, not read`)
      await handle.close()
      return undefined
    }
    return { rel: `/${path.relative(root, resolved.path)}`, path: resolved.path, size: st.size, handle }
  } catch (error) {
    await handle.close().catch(() => {})
    throw error
  }
}

/** A small text file of a root (os-release, dpkg status), read safely; undefined when absent or refused. */
export async function readTextInRoot(root: string, rel: string, opts: OpenInRootOptions = {}): Promise<string | undefined> {
  const file = await openInRoot(root, rel, opts)
  if (!file) return undefined
  try {
    return await file.handle.readFile('utf8')
  } finally {
    await file.handle.close()
  }
}
