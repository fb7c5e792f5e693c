import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BASH_LOADABLES, sessionArgv, type SessionSpec } from '../../../src/chroot/argv.js'
import { SESSION_PATH, sessionEnv } from '../../../src/chroot/env.js'
import { parseStatus } from '../../../src/chroot/status.js'
import { REPO, sidus } from '../../helpers/cli.js'
import { busyboxWorld, mountedUnderAnywhere, removeWorld, type World } from './helpers.js'

// assets/chroot/session.sh started as sidus starts it (sessionArgv), with the parts sidus
// resolves given here, so that what sidus never varies can be: no loadable builtins, a mount
// of the server's already in the root

let w: World
let scratch: string
beforeAll(() => {
  w = busyboxWorld()
  scratch = mkdtempSync(path.join(os.tmpdir(), 'sidus-session-script-'))
})
afterAll(() => {
  removeWorld(w)
  rmSync(scratch, { recursive: true, force: true })
})

/** Run one session of the script; `outer` runs first, in a mount namespace of its own around the session. */
function session(command: string, opts: { loadables?: string; outer?: string; resolv?: SessionSpec['resolv'] } = {}) {
  const status = path.join(scratch, 'status')
  writeFileSync(status, '')
  const spec: SessionSpec = {
    script: path.join(REPO, 'assets/chroot/session.sh'),
    root: w.root,
    lock: path.join(scratch, 'lock'),
    status,
    fstab: path.join(scratch, 'fstab'),
    loadables: opts.loadables,
    holder: 'the session-script test',
    noWait: true,
    onInt: 'forward',
    policy: { path: path.join(w.root, 'usr/sbin/policy-rc.d'), asset: path.join(REPO, 'assets/chroot/policy-rc.d') },
    resolv: opts.resolv ?? { mode: 'bind', target: path.join(w.root, 'etc/resolv.conf'), source: '/etc/resolv.conf' },
    env: sessionEnv(w.name),
    argv: ['sh', '-c', command],
  }
  const argv = sessionArgv(spec)
  const run = opts.outer
    ? spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', `${opts.outer} && exec "$@"`, 'outer', ...argv], { encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH}:${SESSION_PATH}` } })
    : spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH}:${SESSION_PATH}` } })
  return { stdout: run.stdout, stderr: run.stderr, exit: run.status, report: parseStatus(readFileSync(status, 'utf8')) }
}

// inside a fresh pid namespace pids are handed out in order, and the command keeps the pid of
// the process that exec'd it: its $$ counts the processes the session started before it
const countAndProbe = [
  'echo "pid $$"',
  '/usr/sbin/policy-rc.d x start; echo "policy $?"',
  'cat /etc/resolv.conf',
  'cut -d" " -f5,9 /proc/self/mountinfo',
  'stat -c "lock %a" /run/lock',
].join('; ')

describe('assets/chroot/session.sh', () => {
  it("with bash's loadable builtins: at most 6 processes before the command, every part of the session in place", () => {
    expect(existsSync(path.join(BASH_LOADABLES, 'realpath')), `bash-builtins is not installed (${BASH_LOADABLES}): scripts/setup installs it`).toBe(true)
    const r = session(countAndProbe, { loadables: BASH_LOADABLES })
    process.stdout.write(`session with builtins: ${/^pid (\d+)$/m.exec(r.stdout)?.[0]}\n`)
    expect(r.report.error, r.stderr).toBeUndefined()
    expect(r.exit, r.stderr).toBe(0)
    // bash (1), flock, mount -a, install (policy-rc.d), mount -a (resolv.conf), then the command
    expect(Number(/^pid (\d+)$/m.exec(r.stdout)?.[1])).toBeLessThanOrEqual(6)
    expectWholeSession(r.stdout)
  })

  it('without them (none at --loadables): the programs of the same names, and the same session', () => {
    const r = session(countAndProbe, { loadables: '/nonexistent' })
    process.stdout.write(`session without builtins: ${/^pid (\d+)$/m.exec(r.stdout)?.[0]}\n`)
    expect(r.report.error, r.stderr).toBeUndefined()
    expect(r.exit, r.stderr).toBe(0)
    // realpath, mkdir (the private dir) and mv ran as processes: the fallback was taken
    expect(Number(/^pid (\d+)$/m.exec(r.stdout)?.[1])).toBeGreaterThan(6)
    expectWholeSession(r.stdout)
  })

  it("a root whose resolv.conf points into /run gets the server's written there, in the session's tmpfs, with and without the builtins", () => {
    for (const loadables of [BASH_LOADABLES, '/nonexistent']) {
      const target = path.join(w.root, 'run/resolvconf/resolv.conf')
      const r = session('cat /run/resolvconf/resolv.conf', { loadables, resolv: { mode: 'copy', target, source: '/etc/resolv.conf' } })
      expect(r.report.error, r.stderr).toBeUndefined()
      expect(r.stdout.trim()).toBe(readFileSync('/etc/resolv.conf', 'utf8').trim())
      expect(existsSync(path.dirname(target))).toBe(false)
    }
  })

  it("mounts its own /run over a tmpfs of the server's already on the root's /run (mount -a would skip one like it)", () => {
    const r = session('ls /run; grep -c " /run " /proc/self/mountinfo', {
      loadables: BASH_LOADABLES, outer: `mount -t tmpfs tmpfs '${w.root}/run' && touch '${w.root}/run/the-servers'`,
    })
    expect(r.report.error, r.stderr).toBeUndefined()
    expect(r.stdout).not.toContain('the-servers')
    expect(r.stdout).toContain('lock')
    expect(mountedUnderAnywhere(w.root)).toEqual([])
  })

  it("refuses, naming it, a bind of the server's /dev already on the root's /dev", () => {
    const r = session('echo ran', { loadables: BASH_LOADABLES, outer: `mount --rbind /dev '${w.root}/dev'` })
    expect(r.stdout).not.toContain('ran')
    expect(r.exit).toBe(70)
    expect(r.report.error).toContain(`${w.root}/dev`)
    expect(r.report.error).toContain('already mounted')
    expect(r.report.error).toContain('umount it')
    expect(existsSync(path.join(w.root, 'usr/sbin/policy-rc.d'))).toBe(false)
    expect(mountedUnderAnywhere(w.root)).toEqual([])
  })
})

function expectWholeSession(stdout: string): void {
  const mounts = new Map(stdout.split('\n').filter((l) => l.startsWith('/')).map((l) => l.split(' ') as [string, string]))
  expect([...mounts.keys()]).toEqual(expect.arrayContaining(['/proc', '/sys', '/dev', '/dev/pts', '/run', '/run/lock', '/etc/resolv.conf']))
  expect(stdout).toContain('lock 1777')
  expect(stdout).toContain('policy 101')
  expect(stdout).toContain(readFileSync('/etc/resolv.conf', 'utf8').trim())
  // nothing left: no policy-rc.d of ours, no temp file beside it, no mount anywhere
  expect(existsSync(path.join(w.root, 'usr/sbin/policy-rc.d'))).toBe(false)
  expect(readFileSync(path.join(w.root, 'etc/resolv.conf'), 'utf8')).toBe('nameserver 192.0.2.53\n')
  expect(mountedUnderAnywhere(w.root)).toEqual([])
}

it('sidus exec itself passes the loadable builtins on (the session counts 6 processes at most)', async () => {
  const r = await sidus(['exec', w.name, '--', 'sh', '-c', 'echo "pid $$"'], { env: w.env })
  expect(r.exitCode, r.stderr).toBe(0)
  expect(Number(/^pid (\d+)$/m.exec(r.stdout)?.[1])).toBeLessThanOrEqual(6)
})
