import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { REPO } from '../helpers/cli.js'

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-code-cache-'))
  file = path.join(dir, 'm.cjs')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const moduleText = (value: string) => `const { join } = require('node:path');\nexports.value = () => join('${value}', __filename.endsWith('m.cjs') ? 'ok' : 'no');\n`
// each load in a Node of its own, as bin/run.js loads: within one process V8 finds a script it
// compiled before in memory and never looks at the cached data (the build is the tests' global setup)
const DRIVER = `const { loadWithCodeCache } = await import(process.argv[1])
const m = loadWithCodeCache(process.argv[2])
process.stdout.write(m.exports.value())
await m.saveCache()`
const load = () => execFileSync('node', ['--input-type=module', '-e', DRIVER, path.join(REPO, 'dist/cli/code-cache.js'), file], { encoding: 'utf8' })
const cacheIno = () => statSync(`${file}.cache`).ino

describe('loadWithCodeCache: a CommonJS file through V8\'s code cache', () => {
  it('runs the file as CommonJS, writes FILE.cache once, then loads from it', () => {
    writeFileSync(file, moduleText('a'))
    expect(load()).toBe('a/ok')
    const cache = readFileSync(`${file}.cache`)
    const st = statSync(file, { bigint: true })
    expect(cache.toString('latin1', 0, cache.indexOf(10))).toBe(`${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`)
    const ino = cacheIno()
    expect(load()).toBe('a/ok')
    // accepted: not written again
    expect(cacheIno()).toBe(ino)
  })

  it('ignores a cache made from another file of the same length (V8 would take it), and replaces it', () => {
    writeFileSync(file, moduleText('a'))
    load()
    const ino = cacheIno()
    rmSync(file)
    writeFileSync(file, moduleText('b'))
    expect(load()).toBe('b/ok')
    expect(cacheIno()).not.toBe(ino)
    const again = cacheIno()
    expect(load()).toBe('b/ok')
    expect(cacheIno()).toBe(again)
  })

  it('recompiles when V8 refuses the data (a corrupt or foreign cache), and rewrites it', () => {
    writeFileSync(file, moduleText('a'))
    load()
    const cache = readFileSync(`${file}.cache`)
    const newline = cache.indexOf(10)
    writeFileSync(`${file}.cache`, Buffer.concat([cache.subarray(0, newline + 1), Buffer.from('not bytecode')]))
    expect(load()).toBe('a/ok')
    expect(readFileSync(`${file}.cache`).length).toBeGreaterThan(100)
  })

  it('sweeps the temporary file of a writer killed before its rename, never a live writer\'s', () => {
    writeFileSync(file, moduleText('a'))
    // a pid that was and is no more: a child that has exited; a live one: this test's own process
    const dead = Number(execFileSync('sh', ['-c', 'sh -c \'echo $$\''], { encoding: 'utf8' }).trim())
    // temp files named as every atomic write of sidus names them (src/state/atomic.ts)
    writeFileSync(path.join(dir, `.m.cjs.cache.sidus-${dead}-0badf00d.tmp`), 'half a cache')
    writeFileSync(path.join(dir, `.m.cjs.cache.sidus-${process.pid}-0badf00d.tmp`), 'a cache being written')
    writeFileSync(`${file}.cache.notapid.tmp`, 'not ours')
    expect(load()).toBe('a/ok')
    expect(readdirSync(dir).sort()).toEqual([`.m.cjs.cache.sidus-${process.pid}-0badf00d.tmp`, 'm.cjs', 'm.cjs.cache', 'm.cjs.cache.notapid.tmp'])
  })

  it('never fails for a cache it cannot write, and leaves no temporary file', () => {
    writeFileSync(file, moduleText('a'))
    mkdirSync(`${file}.cache`)
    expect(load()).toBe('a/ok')
    expect(readdirSync(dir).sort()).toEqual(['m.cjs', 'm.cjs.cache'])
  })
})
