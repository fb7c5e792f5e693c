import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { splitExecArgv } from '../../src/chroot/command-line.js'
import { parseConfig } from '../../src/config/load.js'
import { UsageError } from '../../src/errors.js'
import { resolveInstance } from '../../src/instances/current.js'
import { masterTarget } from '../../src/master/target.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

/** a config whose paths.roots holds these (empty) instance directories */
function world(names: string[], extra = '') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-current-'))
  dirs.push(dir)
  for (const n of names) mkdirSync(path.join(dir, n))
  mkdirSync(path.join(dir, '.staging-x'))
  return parseConfig(`paths:\n  roots: ${dir}\n${extra}`, 'sidus.yaml')
}
const error = async (p: Promise<unknown>) => {
  try { await p } catch (e) { return e as UsageError }
  throw new Error('expected an error')
}

describe('the current instance', () => {
  it('resolves argument, then SIDUS_INSTANCE, then default_instance, then the only instance', async () => {
    const c = world(['bookworm64', 'trixie64'], 'default_instance: trixie64\n')
    expect(await resolveInstance(c, 'bookworm64', { SIDUS_INSTANCE: 'other' })).toEqual({ name: 'bookworm64', source: 'argument' })
    expect(await resolveInstance(c, undefined, { SIDUS_INSTANCE: 'other' })).toEqual({ name: 'other', source: 'SIDUS_INSTANCE' })
    expect(await resolveInstance(c, undefined, {})).toEqual({ name: 'trixie64', source: 'default_instance' })
    expect(await resolveInstance(world(['stretch64']), undefined, {})).toEqual({ name: 'stretch64', source: 'only instance' })
  })

  it('with two instances and no default: one line listing both and how to choose', async () => {
    const e = await error(resolveInstance(world(['bookworm64', 'trixie64']), undefined, {}))
    expect(e).toBeInstanceOf(UsageError)
    expect(e.message).toBe('which instance? there are 2: bookworm64, trixie64')
    expect(e.message).not.toContain('\n')
    expect(e.suggestion).toMatch(/SIDUS_INSTANCE=<name>.*default_instance: <name>/)
  })

  it('with none: says so and how to make one', async () => {
    expect((await error(resolveInstance(world([]), undefined, {}))).suggestion).toMatch(/sidus create/)
  })

  it('refuses a SIDUS_INSTANCE or default_instance that is not a name', async () => {
    expect((await error(resolveInstance(world(['a64']), undefined, { SIDUS_INSTANCE: '../etc' }))).message).toMatch(/^SIDUS_INSTANCE="..\/etc" is not an instance name/)
    expect(() => world([], 'default_instance: ../x\n')).toThrow(/default_instance: must be an instance name/)
  })
})

describe('master set [NAME] MAC', () => {
  it('takes a lone MAC for the current instance, and NAME MAC as written', async () => {
    const c = world(['bookworm64'])
    expect(await masterTarget(c, '52:54:00:12:34:56', undefined, {})).toEqual({ name: 'bookworm64', mac: '52:54:00:12:34:56' })
    expect(await masterTarget(c, 'aabbccddeeff', undefined, {})).toEqual({ name: 'bookworm64', mac: 'aabbccddeeff' })
    expect(await masterTarget(c, 'trixie64', '52:54:00:12:34:56', {})).toEqual({ name: 'trixie64', mac: '52:54:00:12:34:56' })
  })
  it('a lone name is not taken for a MAC', async () => {
    expect((await error(masterTarget(world(['bookworm64']), 'bookworm64', undefined, {}))).message).toMatch(/"bookworm64" is not a MAC address, and no MAC follows it/)
  })
})

describe('exec argv', () => {
  it.each([
    [['--', 'apt-get', 'install', '-y', 'htop'], undefined, ['apt-get', 'install', '-y', 'htop']],
    [['bookworm64', '--', 'echo', 'bookworm64', 'a', 'a'], 'bookworm64', ['echo', 'bookworm64', 'a', 'a']],
    [['--no-wait', '--config', '/x.yaml', 'b64', '--', 'true', '--', 'x'], 'b64', ['true', '--', 'x']],
    [['--config=/x.yaml', '--', 'true'], undefined, ['true']],
    [['b64', 'dpkg', '-l'], 'b64', ['dpkg', '-l']],
  ])('%j', (raw, name, command) => {
    expect(splitExecArgv(raw)).toEqual({ name, command })
  })
  it('refuses two names before --', () => {
    expect(() => splitExecArgv(['a64', 'b64', '--', 'true'])).toThrow(/more than one instance name/)
  })
})
