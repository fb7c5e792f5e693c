import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TEMP_FILE } from '../../src/state/atomic.js'
import { fakeInstance } from '../helpers/boot-tree.js'
import { BIN, sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

/**
 * kill -9 of publish while it copies a 100 MB initrd, at 10 moments of the copy (temp file
 * just created, then every 10 MB), then one publish: no temp file anywhere, the tree complete.
 */
const KVER = '6.1.0-50-amd64'
const MB = 1 << 20
const SIZE = 100 * MB
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')

const worlds: string[] = []
afterEach(() => { for (const d of worlds.splice(0)) rmSync(d, { recursive: true, force: true }) })

/** temp files of sidus writers anywhere under `dir` */
function temps(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name))
      else if (TEMP_FILE.test(e.name)) out.push(path.join(d, e.name))
    }
  }
  walk(dir)
  return out
}

describe('publish killed with SIGKILL mid-copy', () => {
  it('10 kills at 10 moments of a 100 MB initrd copy, then one publish: 0 temp files, tree complete', async () => {
    const w = tempWorld()
    worlds.push(w.dir)
    fakeInstance(w.roots, 'big', [KVER], { initrdBytes: SIZE })
    const initrd = path.join(w.roots, 'big/boot', `initrd.img-${KVER}`)
    const rows: string[] = []
    for (let i = 0; i < 10; i++) {
      // a new initrd each round (one byte changes), so every round copies it again
      const fd = openSync(initrd, 'r+')
      writeSync(fd, randomBytes(1), 0, 1, SIZE - 1)
      closeSync(fd)
      const threshold = i * 10 * MB
      // the node process itself, not a shell around it: SIGKILL must hit the writer
      const child = spawn(process.execPath, [BIN, 'publish'], { env: { ...process.env, ...w.env, NO_COLOR: '1' }, stdio: 'ignore' })
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
      let done = false
      void exited.then(() => { done = true })
      let seen = -1
      for (;;) {
        if (done) break
        // this writer's own temp (the dead ones' are still there until it sweeps them)
        const tmp = readdirSync(w.tftp).find((f) => f.startsWith(`.initrd.img-${KVER}@big.sidus-${child.pid}-`))
        const size = tmp ? (statSync(path.join(w.tftp, tmp), { throwIfNoEntry: false })?.size ?? -1) : -1
        if (size >= threshold) {
          seen = size
          child.kill('SIGKILL')
          break
        }
        await new Promise((r) => setImmediate(r))
      }
      await exited
      const left = temps(w.tftp)
      rows.push(`kill ${i + 1}: aimed at ${threshold / MB} MB, ${seen < 0 ? 'missed (publish had finished)' : `killed at ${(seen / MB).toFixed(1)} MB copied`}; temp files left: ${left.length}`)
    }
    const killedMidCopy = rows.filter((r) => r.includes('killed at')).length
    const r = await sidus(['publish'], { env: w.env })
    expect(r.exitCode, r.all).toBe(0)
    const left = [...temps(w.tftp), ...temps(w.state)]
    const published = path.join(w.tftp, `initrd.img-${KVER}@big`)
    const complete = sha(published) === sha(initrd) && statSync(published).size === SIZE
      && sha(path.join(w.tftp, `vmlinuz-${KVER}@big`)) === sha(path.join(w.roots, 'big/boot', `vmlinuz-${KVER}`))
    process.stdout.write(`${rows.join('\n')}\nafter one publish: ${left.length} temp files, tree complete: ${complete ? 'yes' : 'no'} ` +
      `(${killedMidCopy}/10 kills landed mid-copy)\n`)
    expect(left).toEqual([])
    expect(complete).toBe(true)
    expect(readFileSync(path.join(w.tftp, 'pxelinux.cfg/default'), 'utf8')).toContain(`initrd.img-${KVER}@big`)
    expect(killedMidCopy).toBeGreaterThanOrEqual(8)
  })
})
