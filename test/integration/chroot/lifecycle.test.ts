import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import type { ResultPromise } from 'execa'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isLocked } from '../../../src/chroot/session.js'
import { defaultConfig } from '../../../src/config/schema.js'
import { sidus, sidusSpawn } from '../../helpers/cli.js'
import { busyboxWorld, mountedUnder, mountedUnderAnywhere, processesChrootedIn, removeWorld, waitFor, type World } from './helpers.js'

let w: World
const running: ResultPromise[] = []
beforeAll(() => { w = busyboxWorld() })
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.kill('SIGKILL')
    await p
  }
  await waitFor('sessions of this test to end', () => processesChrootedIn(w.root).length === 0)
})
afterAll(() => removeWorld(w))

function spawnExec(cmd: string[], flags: string[] = []): ResultPromise {
  const p = sidusSpawn(['exec', w.name, ...flags, '--', ...cmd], { env: w.env })
  running.push(p)
  return p
}

const config = () => {
  const c = defaultConfig()
  return { ...c, paths: { ...c.paths, roots: w.roots, state: w.state, tftp: w.tftp, cache: w.cache } }
}
/** flock -n on the lock file: succeeds only when no session holds it */
function lockIsFree(): boolean {
  try {
    execFileSync('flock', ['-n', path.join(w.state, 'locks/bb64.lock'), 'true'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

describe('a session ends with sidus, whatever ends sidus', () => {
  it('kill -9 of sidus during `sleep 60`: within seconds nothing runs or is mounted under the root, the lock is free', async () => {
    const p = spawnExec(['sh', '-c', 'touch /tmp/started; exec sleep 60'])
    await waitFor('the session to start', () => existsSync(path.join(w.root, 'tmp/started')))
    expect(mountedUnderAnywhere(w.root).length).toBeGreaterThan(0)
    expect(processesChrootedIn(w.root).length).toBeGreaterThan(0)
    expect((await isLocked({ config: config() }, w.name)).held).toBe(true)
    expect(lockIsFree()).toBe(false)
    expect(existsSync(path.join(w.root, 'usr/sbin/policy-rc.d'))).toBe(true)

    const killedAt = Date.now()
    p.kill('SIGKILL')
    expect((await p).signal).toBe('SIGKILL')
    await waitFor('every mount and process of the session to go', () =>
      mountedUnderAnywhere(w.root).length === 0 && processesChrootedIn(w.root).length === 0, 5000)
    await waitFor('the lock to be free', () => lockIsFree(), 5000)
    expect(Date.now() - killedAt).toBeLessThan(5000)
    expect((await isLocked({ config: config() }, w.name)).held).toBe(false)
    expect(existsSync(path.join(w.root, 'usr/sbin/policy-rc.d'))).toBe(false)
    expect(mountedUnder(w.dir, '/proc/self/mountinfo')).toEqual([])
  })

  it('SIGTERM to sidus reaches the command, then teardown runs, then sidus exits 143', async () => {
    const p = spawnExec(['sh', '-c', 'trap "echo got-term > /tmp/term; exit 0" TERM; touch /tmp/started2; sleep 60 & wait'])
    await waitFor('the session to start', () => existsSync(path.join(w.root, 'tmp/started2')))
    const sentAt = Date.now()
    p.kill('SIGTERM')
    const r = await p
    expect(Date.now() - sentAt).toBeLessThan(3000)
    expect(r.exitCode).toBe(143)
    expect(r.stderr).toMatch(/cancelled by SIGTERM/)
    expect(readFileSync(path.join(w.root, 'tmp/term'), 'utf8')).toBe('got-term\n')
    // torn down before sidus exited
    expect(mountedUnderAnywhere(w.root)).toEqual([])
    expect(existsSync(path.join(w.root, 'usr/sbin/policy-rc.d'))).toBe(false)
    expect(lockIsFree()).toBe(true)
  })

  it('SIGINT to sidus (no terminal) reaches the command; sidus exits 130', async () => {
    const p = spawnExec(['sh', '-c', 'trap "echo got-int > /tmp/int; exit 0" INT; touch /tmp/started3; sleep 60 & wait'])
    await waitFor('the session to start', () => existsSync(path.join(w.root, 'tmp/started3')))
    p.kill('SIGINT')
    const r = await p
    expect(r.exitCode).toBe(130)
    expect(readFileSync(path.join(w.root, 'tmp/int'), 'utf8')).toBe('got-int\n')
    expect(mountedUnderAnywhere(w.root)).toEqual([])
  })

  it('a command that ignores SIGTERM is killed after the grace period, and sidus still exits 143', async () => {
    const p = spawnExec(['sh', '-c', 'trap "" TERM; touch /tmp/started4; sleep 60'])
    await waitFor('the session to start', () => existsSync(path.join(w.root, 'tmp/started4')))
    process.kill(p.pid!, 'SIGTERM') // not p.kill(): execa would SIGKILL sidus itself after 5 s
    const r = await p
    expect(r.exitCode).toBe(143)
    expect(processesChrootedIn(w.root)).toEqual([])
    expect(mountedUnderAnywhere(w.root)).toEqual([])
  })
})

describe('one writer at a time', () => {
  it('two concurrent execs never overlap (timestamps written from inside)', async () => {
    const log = path.join(w.root, 'tmp/overlap.log')
    rmSync(log, { force: true })
    // /proc/uptime inside is the machine's clock at 10 ms resolution
    const body = (id: string) => `read up _ < /proc/uptime; echo "start ${id} $up" >> /tmp/overlap.log; sleep 1; read up _ < /proc/uptime; echo "end ${id} $up" >> /tmp/overlap.log`
    const a = spawnExec(['sh', '-c', body('a')])
    const b = spawnExec(['sh', '-c', body('b')])
    const c = spawnExec(['sh', '-c', body('c')])
    const results = await Promise.all([a, b, c])
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0])
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '))
    expect(lines).toHaveLength(6)
    const spans = ['a', 'b', 'c'].map((id) => ({
      start: Number(lines.find((l) => l[0] === 'start' && l[1] === id)![2]),
      end: Number(lines.find((l) => l[0] === 'end' && l[1] === id)![2]),
    })).sort((x, y) => x.start - y.start)
    for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBeGreaterThanOrEqual(spans[i - 1].end)
    // each start line is followed by its own end line: strictly serial
    for (let i = 0; i < 6; i += 2) expect(lines[i + 1][1]).toBe(lines[i][1])
    // the ones that waited said who held the instance
    expect(results.filter((r) => /bb64 is in use \(sidus pid \d+, since \S+\); waiting/.test(String(r.stderr)))).toHaveLength(2)
  })

  it('--no-wait fails at once with a clear message while another session holds the instance', async () => {
    const holder = spawnExec(['sh', '-c', 'touch /tmp/started5; sleep 60'])
    await waitFor('the session to start', () => existsSync(path.join(w.root, 'tmp/started5')))
    const state = await isLocked({ config: config() }, w.name)
    expect(state.held).toBe(true)
    expect(state.holder).toMatch(new RegExp(`^sidus pid ${holder.pid}, since \\d{4}-`))
    const started = Date.now()
    const r = await sidus(['exec', w.name, '--no-wait', '--', 'touch', '/tmp/should-not-run'], { env: w.env })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(r.exitCode).toBe(75)
    expect(r.stderr).toContain(`sidus: error: bb64 is in use: sidus pid ${holder.pid}, since `)
    expect(r.stderr).toContain('without --no-wait')
    expect(existsSync(path.join(w.root, 'tmp/should-not-run'))).toBe(false)
    // the holder was not disturbed
    expect(processesChrootedIn(w.root).length).toBeGreaterThan(0)
  })

  it('isLocked reads the kernel lock table without taking the lock', async () => {
    expect(await isLocked({ config: config() }, w.name)).toEqual({ held: false })
  })
})
