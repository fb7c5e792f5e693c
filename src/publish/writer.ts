import { randomBytes } from 'node:crypto'
import { copyFile, chmod, lstat, mkdir, open, readFile, readlink, rename, rm, symlink, unlink } from 'node:fs/promises'
import path from 'node:path'
import { CancelledError, ConflictError } from '../errors.js'
import { isMenuFile } from '../domain/tftp.js'
import { writeFileAtomic } from '../state/atomic.js'
import { unifiedDiff } from '../ui/diff.js'

/**
 * The one writer of the TFTP tree (publish, the master transition and the lab's
 * --initrd all go through it): it compares what should be there with what is,
 * reports added/updated/removed, and applies the changes so that every file appears
 * whole (temp + rename) and nothing a menu names disappears before the menu stops
 * naming it. Paths are relative to the tree's root.
 */
export type TreeEntry =
  | { kind: 'text'; path: string; content: string }
  | { kind: 'copy'; path: string; source: string }
  | { kind: 'link'; path: string; target: string }

export interface TreeChange {
  action: 'add' | 'update' | 'remove'
  path: string
  kind: 'text' | 'copy' | 'link' | 'file'
  /** unified diff, for text files */
  diff?: string
  entry?: TreeEntry
}

/** Everything clients download is world-readable (TFTP servers run unprivileged). */
export const TREE_FILE_MODE = 0o644

export async function planChanges(root: string, desired: TreeEntry[], removals: string[]): Promise<TreeChange[]> {
  const changes: TreeChange[] = []
  for (const entry of desired) {
    const action = await compare(root, entry)
    if (!action) continue
    const change: TreeChange = { action, path: entry.path, kind: entry.kind, entry }
    if (entry.kind === 'text') {
      const before = action === 'add' ? undefined : await readFile(path.join(root, entry.path), 'utf8').catch(() => undefined)
      change.diff = unifiedDiff(entry.path, before, entry.content)
    }
    changes.push(change)
  }
  const wanted = new Set(desired.map((d) => d.path))
  for (const rel of removals) {
    if (wanted.has(rel)) continue
    const st = await lstat(path.join(root, rel)).catch(() => undefined)
    if (!st) continue
    const change: TreeChange = { action: 'remove', path: rel, kind: st.isSymbolicLink() ? 'link' : 'file' }
    if (st.isFile() && st.size < 1 << 20 && isMenuFile(rel)) {
      change.diff = unifiedDiff(rel, await readFile(path.join(root, rel), 'utf8'), undefined)
    }
    changes.push(change)
  }
  return changes
}

async function compare(root: string, entry: TreeEntry): Promise<'add' | 'update' | undefined> {
  const abs = path.join(root, entry.path)
  const st = await lstat(abs).catch(() => undefined)
  if (!st) return 'add'
  if (st.isDirectory()) {
    throw new ConflictError(`${abs} is a directory where sidus publishes a ${entry.kind === 'link' ? 'link' : 'file'}`, {
      suggestion: `move it out of the way (mv ${abs} ${abs}.orig) and publish again`,
    })
  }
  if (entry.kind === 'link') {
    return st.isSymbolicLink() && (await readlink(abs)) === entry.target ? undefined : 'update'
  }
  if (!st.isFile() || (st.mode & 0o777) !== TREE_FILE_MODE) return 'update'
  if (entry.kind === 'text') {
    const want = Buffer.from(entry.content)
    return st.size === want.length && (await readFile(abs)).equals(want) ? undefined : 'update'
  }
  return (await sameContent(entry.source, abs, st.size)) ? undefined : 'update'
}

/** Byte comparison in chunks, so a 60 MB initrd is not held twice in memory. */
async function sameContent(a: string, b: string, bSize: number): Promise<boolean> {
  const fa = await open(a, 'r')
  try {
    if ((await fa.stat()).size !== bSize) return false
    const fb = await open(b, 'r')
    try {
      const size = 1 << 20
      const ba = Buffer.alloc(size)
      const bb = Buffer.alloc(size)
      for (let pos = 0; pos < bSize; pos += size) {
        const [ra, rb] = await Promise.all([fa.read(ba, 0, size, pos), fb.read(bb, 0, size, pos)])
        if (ra.bytesRead !== rb.bytesRead || !ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false
      }
      return true
    } finally { await fb.close() }
  } finally { await fa.close() }
}

/** Plan and apply in one go: make these entries (and removals) true in the tree; returns what changed. */
export async function writeTree(root: string, desired: TreeEntry[], removals: string[] = [], signal?: AbortSignal): Promise<TreeChange[]> {
  const changes = await planChanges(root, desired, removals)
  if (changes.length > 0) await applyChanges(root, changes, signal)
  return changes
}

/**
 * Apply in the order that keeps the tree bootable at every instant: boot files first,
 * then links to them, then the menus that name them, and only then remove what no
 * menu names any more (links before their targets).
 */
export async function applyChanges(root: string, changes: TreeChange[], signal?: AbortSignal): Promise<void> {
  const rank = (c: TreeChange) => c.action === 'remove' ? (c.kind === 'link' ? 3 : 4) : c.kind === 'copy' ? 0 : c.kind === 'link' ? 1 : 2
  for (const change of [...changes].sort((x, y) => rank(x) - rank(y))) {
    // stopping between two changes leaves a tree whose menus name only files that exist
    if (signal?.aborted) throw new CancelledError(signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT')
    const abs = path.join(root, change.path)
    if (change.action === 'remove') {
      await unlink(abs).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e })
      continue
    }
    const entry = change.entry!
    if (entry.kind === 'text') await writeFileAtomic(abs, entry.content, TREE_FILE_MODE)
    else if (entry.kind === 'copy') await copyFileAtomic(entry.source, abs, TREE_FILE_MODE)
    else await symlinkAtomic(entry.target, abs)
  }
}

const tempName = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.sidus-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)

/** Copy a file so readers see the old or the new one, never a part: temp, fsync, chmod, rename. */
export async function copyFileAtomic(source: string, dest: string, mode: number): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true })
  const tmp = tempName(dest)
  try {
    await copyFile(source, tmp)
    const handle = await open(tmp, 'r+')
    try { await handle.sync() } finally { await handle.close() }
    // the initrd is 0600 in the root: clients must be able to read the copy
    await chmod(tmp, mode)
    await rename(tmp, dest)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

/** A symlink replaced in one rename, so the name never disappears. */
export async function symlinkAtomic(target: string, link: string): Promise<void> {
  await mkdir(path.dirname(link), { recursive: true })
  const tmp = tempName(link)
  try {
    await symlink(target, tmp)
    await rename(tmp, link)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}
