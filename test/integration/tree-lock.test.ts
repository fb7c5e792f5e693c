import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { REPO } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

/**
 * The tree lock under a real race: 6 processes wait on a barrier file, which the test creates
 * to release them at one instant; each then takes the tree lock (src/publish/lock.ts, the
 * built code) and, when it gets it, records a write and holds the lock until the 5 others have
 * tried. 50 rounds.
 */
const WORKERS = 6
const ROUNDS = 50
const HOLD_MS = 20

const worker = `
import { existsSync, appendFileSync, readdirSync, writeFileSync } from 'node:fs'
import { withTreeLock } from ${JSON.stringify(path.join(REPO, 'dist/publish/lock.js'))}
import { loadConfig } from ${JSON.stringify(path.join(REPO, 'dist/config/load.js'))}
import { LocalRunner } from ${JSON.stringify(path.join(REPO, 'dist/run/local.js'))}
const [dir, rounds, hold, workers] = process.argv.slice(2)
const ctx = { config: loadConfig(dir + '/sidus.yaml'), runner: new LocalRunner() }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
for (let round = 0; round < Number(rounds); round++) {
  while (!existsSync(dir + '/barrier-' + round)) await sleep(1)
  let outcome = 'busy'
  try {
    await withTreeLock(ctx, async () => {
      outcome = 'wrote'
      appendFileSync(dir + '/writes', round + ' ' + process.pid + ' start ' + Date.now() + '\\n')
      // hold it until every other worker of the round has tried (and been refused), however slow
      // the machine: a second write in a round can then only mean two holders at once
      const deadline = Date.now() + 20000
      while (readdirSync(dir).filter((f) => f.startsWith('done-' + round + '-')).length < Number(workers) - 1 && Date.now() < deadline) await sleep(2)
      await sleep(Number(hold))
      appendFileSync(dir + '/writes', round + ' ' + process.pid + ' end ' + Date.now() + '\\n')
    })
  } catch (e) {
    if (e.name !== 'BusyError') { outcome = 'error ' + e.message }
  }
  writeFileSync(dir + '/done-' + round + '-' + process.pid, outcome)
}
`

const worlds: string[] = []
const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
  for (const d of worlds.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('tree lock', () => {
  it(`releases ${WORKERS} processes at one instant, ${ROUNDS} rounds: at most one writer each round`, async () => {
    const w = tempWorld()
    worlds.push(w.dir)
    const script = path.join(w.dir, 'worker.mjs')
    writeFileSync(script, worker)
    for (let i = 0; i < WORKERS; i++) {
      const c = spawn(process.execPath, [script, w.dir, String(ROUNDS), String(HOLD_MS), String(WORKERS)], { stdio: ['ignore', 'inherit', 'inherit'] })
      children.push(c)
    }
    const pids = children.map((c) => c.pid!)
    const perRound: number[] = []
    const busy: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      writeFileSync(path.join(w.dir, `barrier-${round}`), '')
      const deadline = Date.now() + 30_000
      while (!pids.every((pid) => existsSync(path.join(w.dir, `done-${round}-${pid}`)))) {
        if (Date.now() > deadline) throw new Error(`round ${round}: not every worker finished`)
        await new Promise((r) => setTimeout(r, 5))
      }
      const outcomes = pids.map((pid) => readFileSync(path.join(w.dir, `done-${round}-${pid}`), 'utf8'))
      expect(outcomes.filter((o) => o.startsWith('error')), `round ${round}`).toEqual([])
      const writes = readFileSync(path.join(w.dir, 'writes'), 'utf8').split('\n').filter((l) => l.startsWith(`${round} `) && l.includes(' start '))
      perRound.push(writes.length)
      busy.push(outcomes.filter((o) => o === 'busy').length)
    }
    // no two writers ever overlapped: every start is followed by its own end
    const log = readFileSync(path.join(w.dir, 'writes'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '))
    for (let i = 0; i < log.length; i += 2) {
      expect(log[i][2]).toBe('start')
      expect(log[i + 1]?.slice(0, 3)).toEqual([log[i][0], log[i][1], 'end'])
    }
    const hist = new Map<number, number>()
    for (const n of perRound) hist.set(n, (hist.get(n) ?? 0) + 1)
    process.stdout.write(`tree lock: ${WORKERS} processes x ${ROUNDS} rounds released by a barrier file; writers per round: ` +
      `${[...hist.entries()].sort().map(([n, c]) => `${n} writer(s) in ${c} round(s)`).join(', ')}; max ${Math.max(...perRound)}; ` +
      `refused (BusyError) ${busy.reduce((a, b) => a + b, 0)} times\n`)
    expect(Math.max(...perRound)).toBe(1)
    expect(Math.min(...perRound)).toBe(1)
  })
})
