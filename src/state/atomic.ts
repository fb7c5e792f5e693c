import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'

/**
 * Write a file so that readers see the old or the new content, never a part:
 * write a temp file in the same directory, fsync it, rename it over the target.
 */
export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true })
  const tmp = path.join(dir, `.${path.basename(file)}.sidus-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  const handle = await open(tmp, 'wx', mode)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(tmp, { force: true })
    throw error
  }
  await handle.close()
  await chmod(tmp, mode) // umask must not narrow what clients may read
  try {
    await rename(tmp, file)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

/** Same-content check so an unchanged file is not rewritten (mtimes stay). */
export async function writeIfChanged(file: string, data: string | Buffer, mode = 0o644): Promise<'added' | 'updated' | 'unchanged'> {
  let old: Buffer | undefined
  try { old = await readFile(file) } catch { old = undefined }
  const next = typeof data === 'string' ? Buffer.from(data) : data
  if (old && old.equals(next)) return 'unchanged'
  await writeFileAtomic(file, next, mode)
  return old ? 'updated' : 'added'
}
