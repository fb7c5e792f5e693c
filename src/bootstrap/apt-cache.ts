import { link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'

/**
 * The package cache, per run: apt gets a private archive directory seeded with hard
 * links to every cached .deb; afterwards whatever it added is moved into the shared
 * cache. That keeps concurrent creates apart and tells exactly what this create
 * downloaded.
 */
export interface CacheRun { dir: string; seeded: Set<string>; cachedBytes: number }

export async function openCacheRun(cacheDir: string, tag: string): Promise<CacheRun> {
  await mkdir(cacheDir, { recursive: true })
  const dir = path.join(cacheDir, `.run-${tag}`)
  await rm(dir, { recursive: true, force: true })
  await mkdir(path.join(dir, 'partial'), { recursive: true })
  const seeded = new Set<string>()
  let cachedBytes = 0
  for (const f of await readdir(cacheDir)) {
    if (!f.endsWith('.deb')) continue
    await link(path.join(cacheDir, f), path.join(dir, f))
    seeded.add(f)
    cachedBytes += (await stat(path.join(cacheDir, f))).size
  }
  return { dir, seeded, cachedBytes }
}

/** Move what apt downloaded into the shared cache; returns the bytes downloaded. */
export async function closeCacheRun(cacheDir: string, run: CacheRun): Promise<number> {
  let downloaded = 0
  let files: string[] = []
  try { files = await readdir(run.dir) } catch { return 0 }
  for (const f of files) {
    if (!f.endsWith('.deb') || run.seeded.has(f)) continue
    downloaded += (await stat(path.join(run.dir, f))).size
    await rename(path.join(run.dir, f), path.join(cacheDir, f))
  }
  await rm(run.dir, { recursive: true, force: true })
  return downloaded
}
