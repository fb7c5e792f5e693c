import { chmod, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'

/**
 * Temp files are named `.<file>.sidus-<pid>-<random>.tmp`, beside their target: recognisable,
 * so that what a writer killed mid-write left behind (kill -9, power loss) is found and swept.
 */
export const TEMP_FILE = /^\..+\.sidus-(\d+)-[0-9a-f]+\.tmp$/
// (the global crypto, loaded on first use: node:crypto at the top would cost every command's start-up)
export const tempNameFor = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.sidus-${process.pid}-${Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString('hex')}.tmp`)

/**
 * Remove the temp files of writers that are gone from `dir` (and its subdirectories down to
 * `depth`); `ownerGone` decides for each writer pid (default: no such process). Returns the
 * removed paths.
 */
export async function sweepTemps(dir: string, opts: { depth?: number; ownerGone?: (pid: number) => boolean } = {}): Promise<string[]> {
  const gone = opts.ownerGone ?? ((pid: number) => pid !== process.pid && !processAlive(pid))
  const removed: string[] = []
  const walk = async (d: string, depth: number): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) {
        if (depth > 0) await walk(p, depth - 1)
        continue
      }
      const m = TEMP_FILE.exec(e.name)
      if (!m || !gone(Number(m[1]))) continue
      await rm(p, { force: true })
      removed.push(p)
    }
  }
  await walk(dir, opts.depth ?? 0)
  return removed
}

export function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (error) { return (error as NodeJS.ErrnoException).code === 'EPERM' }
}

/**
 * Write a file so that readers see the old or the new content, never a part:
 * write a temp file in the same directory, fsync it, rename it over the target.
 */
export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true })
  const tmp = tempNameFor(file)
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
