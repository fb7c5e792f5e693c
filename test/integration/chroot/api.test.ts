import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLocked, runInRoot } from '../../../src/chroot/session.js'
import { defaultConfig } from '../../../src/config/schema.js'
import type { Ctx } from '../../../src/context.js'
import { BusyError, CancelledError, UsageError } from '../../../src/errors.js'
import { CommandFailedError, LocalRunner } from '../../../src/run/local.js'
import { lockFile } from '../../../src/state/layout.js'
import { REPO } from '../../helpers/cli.js'
import { busyboxWorld, mountedUnderAnywhere, removeWorld, waitFor, type World } from './helpers.js'

let w: World
let ctx: Ctx
beforeAll(() => {
  w = busyboxWorld()
  const c = defaultConfig()
  ctx = { config: { ...c, paths: { ...c.paths, roots: w.roots, state: w.state, tftp: w.tftp, cache: w.cache } }, runner: new LocalRunner() }
})
afterAll(() => removeWorld(w))

describe('runInRoot (what create and initrd call)', () => {
  it('captures output by default and resolves with the exit code', async () => {
    const r = await runInRoot(ctx, w.name, ['sh', '-c', 'echo hi; echo oops >&2'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toBe('hi\n')
    expect(r.stderr).toBe('oops\n')
    expect(r.argv).toEqual(['chroot', w.root, 'sh', '-c', 'echo hi; echo oops >&2'])
  })

  it('throws CommandFailedError on a non-zero exit unless reject is false', async () => {
    await expect(runInRoot(ctx, w.name, ['sh', '-c', 'echo broken >&2; exit 3'])).rejects.toThrow(CommandFailedError)
    await expect(runInRoot(ctx, w.name, ['sh', '-c', 'exit 3'])).rejects.toThrow(/chroot .*bb64 sh -c 'exit 3' exited with 3/)
    expect((await runInRoot(ctx, w.name, ['sh', '-c', 'exit 3'], { reject: false })).exitCode).toBe(3)
  })

  it('feeds input and adds env', async () => {
    const r = await runInRoot(ctx, w.name, ['sh', '-c', 'cat; echo "$FOO"'], { input: 'in\n', env: { FOO: 'bar baz' } })
    expect(r.stdout).toBe('in\nbar baz\n')
  })

  it('rootDir chroots elsewhere (a staging dir) while the lock stays the instance name', async () => {
    const staging = path.join(w.roots, '.bb64.staging')
    cpSync(w.root, staging, { recursive: true, verbatimSymlinks: true })
    execFileSync('sh', ['-c', `echo staging > ${staging}/etc/which`])
    const r = await runInRoot(ctx, w.name, ['cat', '/etc/which'], { rootDir: staging })
    expect(r.stdout).toBe('staging\n')
    expect(existsSync(path.join(w.state, 'locks/bb64.lock'))).toBe(true)
    expect(mountedUnderAnywhere(staging)).toEqual([])
  })

  it('noWait throws BusyError naming the holder; isLocked says who holds it', async () => {
    const holder = runInRoot(ctx, w.name, ['sh', '-c', 'touch /tmp/api-held; sleep 2'])
    await waitFor('the holder to start', () => existsSync(path.join(w.root, 'tmp/api-held')))
    const state = await isLocked(ctx, w.name)
    expect(state).toMatchObject({ held: true })
    // the lock names the holder, never its command line (it may hold passwords), and is 0600
    expect(state.holder).toMatch(new RegExp(`^sidus pid ${process.pid}, since \\d{4}-`))
    expect(statSync(lockFile(ctx.config, w.name)).mode & 0o777).toBe(0o600)
    expect(readFileSync(lockFile(ctx.config, w.name), 'utf8')).not.toContain('api-held')
    const err = await runInRoot(ctx, w.name, ['true'], { noWait: true }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BusyError)
    expect((err as BusyError).message).toContain(`bb64 is in use: sidus pid ${process.pid}`)
    expect((await holder).exitCode).toBe(0)
    expect(await isLocked(ctx, w.name)).toEqual({ held: false })
  })

  it('says it waits for the holder, then runs', async () => {
    const lines: string[] = []
    const holder = runInRoot(ctx, w.name, ['sh', '-c', 'touch /tmp/api-held2; sleep 1'])
    await waitFor('the holder to start', () => existsSync(path.join(w.root, 'tmp/api-held2')))
    const r = await runInRoot({ ...ctx, log: (l) => lines.push(l) }, w.name, ['echo', 'second'])
    expect(r.stdout).toBe('second\n')
    expect(lines[0]).toMatch(/^bb64 is in use \(sidus pid \d+, since \S+\); waiting for it to finish…$/)
    await holder
  })

  it('an abort (sidus got SIGTERM) reaches the command, tears down, then throws CancelledError', async () => {
    const controller = new AbortController()
    const run = runInRoot({ ...ctx, signal: controller.signal }, w.name, ['sh', '-c', 'trap "echo term > /tmp/api-term; exit 0" TERM; touch /tmp/api-go; sleep 30 & wait'])
    await waitFor('the command to start', () => existsSync(path.join(w.root, 'tmp/api-go')))
    controller.abort('SIGTERM')
    const err = await run.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CancelledError)
    expect((err as CancelledError).exitCode).toBe(143)
    expect(readFileSync(path.join(w.root, 'tmp/api-term'), 'utf8')).toBe('term\n')
    expect(mountedUnderAnywhere(w.root)).toEqual([])
  })

  it('refuses an empty command and a bad name before anything', async () => {
    await expect(runInRoot(ctx, w.name, [])).rejects.toThrow(UsageError)
    await expect(runInRoot(ctx, '../etc', ['true'])).rejects.toThrow(UsageError)
  })
})

describe('assets/chroot/session.sh', () => {
  it('is valid bash', () => {
    expect(spawnSync('bash', ['-n', path.join(REPO, 'assets/chroot/session.sh')]).status).toBe(0)
  })
  it('refuses to run unless it is pid 1 of its own pid namespace (its kill -1 must never reach the server)', () => {
    const r = spawnSync('bash', [path.join(REPO, 'assets/chroot/session.sh'), '--root', '/nonexistent', '--', 'true'], { encoding: 'utf8' })
    expect(r.status).toBe(70)
    expect(r.stderr).toContain('must run as pid 1 of its own pid namespace')
  })
  it('policy-rc.d exits 101', () => {
    expect(spawnSync(path.join(REPO, 'assets/chroot/policy-rc.d'), ['nginx', 'start']).status).toBe(101)
  })
})
