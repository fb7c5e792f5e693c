import { closeSync, fstatSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Script } from 'node:vm'

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
  saveCache(): void
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
    saveCache: () => { if (fresh) writeCache(cacheFile, key, script.createCachedData()) },
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
 * Atomically (a reader sees the old cache or the new one), and never an error: a package
 * directory we may not write (another user, a read-only install) only means no cache.
 */
function writeCache(cacheFile: string, key: string, data: Buffer): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`
  sweepDeadWriters(cacheFile)
  try {
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}\n`, 'latin1'), data]), { mode: 0o644 })
    renameSync(tmp, cacheFile)
  } catch {
    try {
      rmSync(tmp, { force: true })
    } catch {
      // nothing was written
    }
  }
}

/** FILE.cache.<pid>.tmp of a writer that was killed before its rename: gone once its pid is. */
function sweepDeadWriters(cacheFile: string): void {
  const dir = path.dirname(cacheFile)
  const prefix = `${path.basename(cacheFile)}.`
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? name.slice(prefix.length, -'.tmp'.length) : ''
    if (!/^[1-9][0-9]*$/.test(pid) || Number(pid) === process.pid || isRunning(Number(pid))) continue
    try {
      rmSync(path.join(dir, name), { force: true })
    } catch {
      // another writer swept it first, or the directory is not ours to write
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: a process of another user holds that pid
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
