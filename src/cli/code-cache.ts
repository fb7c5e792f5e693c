import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Script } from 'node:vm'
import { sweepTemps, writeFileAtomic } from '../state/atomic.js'

/**
 * A CommonJS file run through V8's code cache (Node 20 has no module.enableCompileCache): the
 * bytecode of the functions a run compiled, kept in FILE.cache and given back to V8 next time, so
 * that a start-up compiles (almost) nothing. exec's fast path loads its bundle so (bench/exec).
 * V8 checks the cache's Node version and flags but knows the source by its length only: the cache
 * names the file it was made from (inode, size, mtime), and any other file ignores it.
 */
export interface CachedModule<T> {
  exports: T
  /** Write FILE.cache when there was none or V8 refused it, after the run compiled what it needs. */
  saveCache(): Promise<void>
}

export function loadWithCodeCache<T>(file: string): CachedModule<T> {
  const fd = openSync(file, 'r')
  let source: string
  let key: string
  try {
    const st = fstatSync(fd, { bigint: true })
    key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`
    source = readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
  const cacheFile = `${file}.cache`
  const cachedData = readCache(cacheFile, key)
  // CommonJS's own wrapper (Module.wrap, which ESM cannot import by name)
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename: file, cachedData })
  const module = { exports: {} as T }
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void
  run(module.exports, createRequire(file), module, file, path.dirname(file))
  const fresh = cachedData === undefined || script.cachedDataRejected === true
  return {
    exports: module.exports,
    saveCache: async () => { if (fresh) await writeCache(cacheFile, key, script.createCachedData()) },
  }
}

/** The cached bytecode when FILE.cache was made from this very file; none otherwise. */
function readCache(cacheFile: string, key: string): Buffer | undefined {
  let data: Buffer
  try {
    data = readFileSync(cacheFile)
  } catch {
    return undefined
  }
  const newline = data.indexOf(10)
  if (newline < 0 || data.toString('latin1', 0, newline) !== key) return undefined
  return data.subarray(newline + 1)
}

/**
 * Atomically (a reader sees the old cache or the new one), sweeping the temp files of writers killed
 * before their rename, and never an error: a package directory we may not write (another user, a
 * read-only install) only means no cache.
 */
async function writeCache(cacheFile: string, key: string, data: Buffer): Promise<void> {
  try {
    await sweepTemps(path.dirname(cacheFile))
    await writeFileAtomic(cacheFile, Buffer.concat([Buffer.from(`${key}\n`, 'latin1'), data]), 0o644)
  } catch {
    // no cache this time
  }
}
