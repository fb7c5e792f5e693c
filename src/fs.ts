import { createHash } from 'node:crypto'
import { access, lstat, readFile, stat, type FileHandle } from 'node:fs/promises'

/** True when `p` resolves to something (symlinks followed). */
export async function pathExists(p: string): Promise<boolean> {
  try { await access(p); return true } catch { return false }
}

/** True when the entry itself exists, even a dangling symlink. */
export async function entryExists(p: string): Promise<boolean> {
  try { await lstat(p); return true } catch { return false }
}

/** True when `p` is a directory (symlinks followed). */
export async function isDirectory(p: string): Promise<boolean> {
  try { return (await stat(p)).isDirectory() } catch { return false }
}

/** A text file's content, or undefined when it does not exist (any other error is thrown). */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** sha256 of an open file, read by position (the handle's own offset is left to the copy) */
export async function sha256OfHandle(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(4 << 20)
  for (let pos = 0; ; ) {
    const { bytesRead } = await handle.read(buf, 0, buf.length, pos)
    if (bytesRead === 0) break
    hash.update(buf.subarray(0, bytesRead))
    pos += bytesRead
  }
  return hash.digest('hex')
}
