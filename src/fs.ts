import { access, lstat, readFile, stat } from 'node:fs/promises'

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
