import { execa } from 'execa'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, REPO, sidusSpawn } from '../../helpers/cli.js'
import { busyboxWorld, mountedUnderAnywhere, removeWorld, waitFor, type World } from './helpers.js'

/**
 * bin/run.js runs `sidus exec … -- COMMAND` without oclif (src/cli/exec-fast.ts). Every command
 * line here runs both ways, through bin/run.js and through oclif alone (test/helpers/run-oclif.js),
 * and must give the same exit code, stdout and stderr; the import trace shows which path ran.
 */
let w: World
beforeAll(() => { w = busyboxWorld() })
afterAll(() => removeWorld(w))

const OCLIF = path.join(REPO, 'test/helpers/run-oclif.js')
const TRACE = path.join(REPO, 'test/helpers/trace-imports.js')

async function run(entry: string, args: string[], env: Record<string, string> = {}, user?: number) {
  // in /tmp and writable by all: the non-root run writes it too
  const trace = path.join(os.tmpdir(), `sidus-trace-${process.pid}-${process.hrtime.bigint()}`)
  writeFileSync(trace, '')
  chmodSync(trace, 0o666)
  const node = ['node', '--import', TRACE, entry, ...args]
  const argv = user === undefined ? node : ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--clear-groups', ...node]
  const r = await execa(argv[0], argv.slice(1), { env: { ...w.env, NO_COLOR: '1', SIDUS_TEST_TRACE: trace, ...env }, reject: false, stdin: 'ignore' })
  const modules = readFileSync(trace, 'utf8')
  rmSync(trace, { force: true })
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, fast: modules.includes('/bundle/cli/exec-fast-load.js'), oclif: modules.includes('/bundle/cli/entry.js') }
}

/** the command line through bin/run.js and through oclif: the same result; which path bin/run.js took */
async function both(args: string[], env: Record<string, string> = {}, user?: number) {
  const [viaBin, viaOclif] = [await run(BIN, args, env, user), await run(OCLIF, args, env, user)]
  expect(viaOclif.oclif && !viaOclif.fast).toBe(true)
  const { fast, oclif, ...result } = viaBin
  expect({ exitCode: viaOclif.exitCode, stdout: viaOclif.stdout, stderr: viaOclif.stderr }, JSON.stringify(args)).toEqual(result)
  // one path or the other, never both
  expect(fast).toBe(!oclif)
  return { ...result, fast }
}

describe("sidus exec's fast path behaves as the oclif command", () => {
  it('runs the command: its exit code, stdout and stderr, the words after -- as typed', async () => {
    const r = await both(['exec', w.name, '--', 'sh', '-c', 'echo out; echo err >&2; exit 7'])
    expect(r).toMatchObject({ fast: true, exitCode: 7, stdout: 'out', stderr: 'err' })
    const words = await both([`--config=${w.config}`, '--no-wait', w.name, '--', 'sh', '-c', 'printf "[%s]" "$@"', 'x', '--help', '--json', '--', '-h'].flatMap((a, i) => i === 0 ? ['exec', a] : [a]))
    expect(words).toMatchObject({ fast: true, exitCode: 0, stdout: '[--help][--json][--][-h]' })
    expect(await both(['exec', '--config', w.config, w.name, '--', 'sh', '-c', 'kill -TERM $$'])).toMatchObject({ fast: true, exitCode: 143 })
  })

  it('resolves the instance as oclif does: the only one, SIDUS_INSTANCE, and refuses to guess among two', async () => {
    expect(await both(['exec', '--', 'sh', '-c', 'echo $SIDUS_INSTANCE'])).toMatchObject({ fast: true, exitCode: 0, stdout: w.name })
    mkdirSync(path.join(w.roots, 'other64'))
    try {
      const which = await both(['exec', '--', 'true'])
      expect(which).toMatchObject({ fast: true, exitCode: 64 })
      expect(which.stderr).toContain('which instance? there are 2: bb64, other64')
      expect(await both(['exec', '--', 'sh', '-c', 'echo $SIDUS_INSTANCE'], { SIDUS_INSTANCE: w.name })).toMatchObject({ fast: true, exitCode: 0, stdout: w.name })
      const bad = await both(['exec', '--', 'true'], { SIDUS_INSTANCE: '../etc' })
      expect(bad).toMatchObject({ fast: true, exitCode: 64 })
      expect(bad.stderr).toMatch(/^sidus: error: SIDUS_INSTANCE="..\/etc" is not an instance name\n {2}fix: /)
    } finally {
      rmSync(path.join(w.roots, 'other64'), { recursive: true })
    }
  })

  it('gives the same errors and exit codes: no command, no such instance, a bad name, no config, no stage, not root', async () => {
    const cases: [string[], number, RegExp][] = [
      [['exec', w.name, '--'], 64, /no command to run inside bb64/],
      [['exec', 'nope64', '--', 'true'], 66, /no instance nope64/],
      [['exec', 'Bad.Name', '--', 'true'], 64, /Bad\.Name/],
      [['exec', '--config', path.join(w.dir, 'missing.yaml'), '--', 'true'], 78, /missing\.yaml: cannot read the configuration/],
      [['exec', '--staged', w.name, '--', 'true'], 66, /stage/],
    ]
    for (const [args, code, message] of cases) {
      const r = await both(args)
      expect(r, args.join(' ')).toMatchObject({ fast: true, exitCode: code, stdout: '' })
      expect(r.stderr).toMatch(message)
      expect(r.stderr).toMatch(/^sidus: error: .*\n {2}fix: .+\n?$/)
    }
    // HOME readable by that user: oclif warns when it cannot read its data directory there
    const user = await both(['exec', w.name, '--', 'true'], { HOME: os.tmpdir() }, 65534)
    expect(user).toMatchObject({ fast: true, exitCode: 77 })
    expect(user.stderr).toContain(`fix: run it again with sudo: sudo sidus exec ${w.name} -- true`)
  })

  it('says the instance is busy under --no-wait (exit 75) while another session holds it', async () => {
    const marker = path.join(w.root, 'tmp/holding')
    // the first session holds the instance until the test removes the marker
    const holder = sidusSpawn(['exec', w.name, '--', 'sh', '-c', 'touch /tmp/holding; while [ -e /tmp/holding ]; do sleep 0.1; done'], { env: w.env })
    try {
      await waitFor('the first session', () => existsSync(marker))
      const r = await both(['exec', '--no-wait', w.name, '--', 'true'])
      expect(r).toMatchObject({ fast: true, exitCode: 75 })
      expect(r.stderr).toMatch(/bb64 is in use: sidus pid \d+/)
    } finally {
      rmSync(marker, { force: true })
      await holder
    }
    expect(mountedUnderAnywhere(w.root)).toEqual([])
  })

  it('leaves every other command line to oclif: --help, --json, no --, an unknown flag', async () => {
    const help = await both(['exec', '--help'])
    expect(help).toMatchObject({ fast: false, exitCode: 0 })
    expect(help.stdout).toContain('USAGE')
    const json = await both(['exec', w.name, '--json', '--', 'sh', '-c', 'echo hi; exit 5'])
    expect(json).toMatchObject({ fast: false, exitCode: 5 })
    expect(JSON.parse(json.stdout)).toEqual({ instance: w.name, exitCode: 5, stdout: 'hi\n', stderr: '' })
    // without --, oclif's parser reads the command's words too (`exec bb64 sh -c …` is a usage error)
    expect(await both(['exec', w.name, 'sh', '-c', 'exit 3'])).toMatchObject({ fast: false, exitCode: 64 })
    expect(await both(['exec', w.name, 'sh'], {})).toMatchObject({ fast: false, exitCode: 0 })
    const unknown = await both(['exec', '--bogus', w.name, '--', 'true'])
    expect(unknown.fast).toBe(false)
    expect(await both(['exec', w.name, '--', 'true'], { SIDUS_CONTENT_TYPE: 'json' })).toMatchObject({ fast: false, exitCode: 0, stdout: expect.stringContaining('"exitCode": 0') })
  })
})
