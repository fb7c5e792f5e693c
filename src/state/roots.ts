import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { INSTANCE_NAME } from '../domain/instance-name.js'

/**
 * Every instance: each directory under paths.roots with an instance name, created by
 * sidus or adopted. Staging and trash dirs (leading dot) are not instances.
 */
/** The kept generation directories of every instance: <paths.roots>/.generations/<name>/<N>, sorted. */
export async function listKeptGenerationDirs(config: SidusConfig): Promise<string[]> {
  const base = path.join(config.paths.roots, '.generations')
  const out: string[] = []
  for (const name of (await readdir(base).catch(() => [] as string[])).filter((e) => INSTANCE_NAME.test(e)).sort()) {
    const numbers = (await readdir(path.join(base, name)).catch(() => [] as string[])).filter((e) => /^[1-9]\d*$/.test(e)).map(Number).sort((a, b) => a - b)
    out.push(...numbers.map((n) => path.join(base, name, String(n))))
  }
  return out
}

export async function listRootNames(config: SidusConfig): Promise<string[]> {
  let entries: string[]
  try {
    entries = await readdir(config.paths.roots)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const out: string[] = []
  for (const e of entries.sort()) {
    if (!INSTANCE_NAME.test(e)) continue
    try { if ((await stat(path.join(config.paths.roots, e))).isDirectory()) out.push(e) } catch { /* vanished */ }
  }
  return out
}
