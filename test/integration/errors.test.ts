import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fakeInstance } from '../helpers/boot-tree.js'
import { makeBusyboxRoot } from '../helpers/busybox-root.js'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

/**
 * What the user sees when things go wrong, through the real CLI: one `sidus: error:` line naming
 * the file, one `fix:` line, the exit code of the error's class; a corrupt state file does not
 * stop the commands that do not need it.
 */
const KVER = '6.1.0-50-amd64'
const worlds: string[] = []
afterEach(() => { for (const d of worlds.splice(0)) rmSync(d, { recursive: true, force: true }) })
function world(extra = '') {
  const w = tempWorld(extra)
  worlds.push(w.dir)
  return w
}

/** stderr is exactly the error line and its fix line */
function expectRendered(stderr: string, message: RegExp): void {
  const lines = stderr.trimEnd().split('\n').filter((l) => !l.startsWith('warning: '))
  expect(lines, stderr).toHaveLength(2)
  expect(lines[0]).toMatch(/^sidus: error: /)
  expect(lines[0]).toMatch(message)
  expect(lines[1]).toMatch(/^ {2}fix: \S/)
}

describe('errors through the CLI', () => {
  it('a corrupt masters.yaml: list and info go on with a warning naming it; publish and master set stop with exit 65', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [KVER])
    const file = path.join(w.state, 'masters.yaml')
    writeFileSync(file, 'masters: {bookworm64: [oops\n')
    const list = await sidus(['list'], { env: w.env })
    expect(list.exitCode, list.all).toBe(0)
    expect(list.stdout).toContain('bookworm64')
    expect(list.stderr).toContain(`warning: ${file} is corrupt`)
    const info = await sidus(['info', 'bookworm64'], { env: w.env })
    expect(info.exitCode, info.all).toBe(0)
    expect(info.stderr).toContain(`warning: ${file} is corrupt`)
    const pub = await sidus(['publish'], { env: w.env })
    expect(pub.exitCode).toBe(65)
    expectRendered(pub.stderr, new RegExp(`^sidus: error: ${file} is corrupt \\(invalid YAML: `))
    expect(pub.stderr).toContain(`mv ${file} ${file}.bad`)
    const set = await sidus(['master', 'set', 'bookworm64', '52:54:00:00:00:01'], { env: w.env })
    expect(set.exitCode).toBe(65)
    expectRendered(set.stderr, /is corrupt/)
  })

  it('a corrupt instance metadata file: list shows the root as adopted, with a warning naming the file', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [KVER])
    const file = path.join(w.state, 'instances', 'bookworm64.yaml')
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, '{{{{\n')
    const json = await sidus(['list', '--json'], { env: w.env })
    expect(json.exitCode, json.all).toBe(0)
    expect(JSON.parse(json.stdout).instances[0]).toMatchObject({ name: 'bookworm64', origin: 'adopted' })
    const list = await sidus(['list'], { env: w.env })
    expect(list.exitCode, list.all).toBe(0)
    expect(list.stdout).toMatch(/bookworm64 .* adopted/)
    expect(list.stderr).toContain(`warning: ${file} is corrupt`)
  })

  it('exec runs with a corrupt masters.yaml (a warning, not a stop)', async () => {
    const w = world()
    makeBusyboxRoot(path.join(w.roots, 'bb64'))
    writeFileSync(path.join(w.state, 'masters.yaml'), 'masters: [1, 2\n')
    const r = await sidus(['exec', 'bb64', '--', 'echo', 'ran'], { env: w.env })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain('ran')
    expect(r.stderr).toContain('masters.yaml is corrupt')
  })

  it('a raw ENOTDIR (paths.tftp under a file) is one line naming the path, exit 73', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [KVER])
    const blocker = path.join(w.dir, 'blocker')
    writeFileSync(blocker, 'a file, not a directory')
    const config = readFileSync(w.config, 'utf8').replace(`tftp: ${w.tftp}`, `tftp: ${blocker}/tftp`)
    writeFileSync(w.config, config)
    const r = await sidus(['publish'], { env: w.env })
    expect(r.exitCode, r.all).toBe(73)
    expectRendered(r.stderr, new RegExp(`^sidus: error: ${blocker}/tftp\\S*: a part of this path is a file where a directory is expected`))
  })

  it('bad config paths are refused with file:line, exit 78, and nothing is written', async () => {
    const w = world()
    writeFileSync(w.config, `paths:\n  roots: ${w.roots}\n  tftp: ${w.roots}\n  state: ${w.state}\n`)
    const r = await sidus(['publish'], { env: w.env })
    expect(r.exitCode).toBe(78)
    expectRendered(r.stderr, new RegExp(`^sidus: error: ${w.config}:3: paths\\.roots ${w.roots} is the same directory as paths\\.tftp`))
    expect(existsSync(path.join(w.state, 'locks'))).toBe(false)
  })

  it('an unknown flag is a usage error, exit 64, in the same form', async () => {
    const w = world()
    const r = await sidus(['list', '--bogus'], { env: w.env })
    expect(r.exitCode).toBe(64)
    expectRendered(r.stderr, /^sidus: error: Nonexistent flag: --bogus/)
  })
})
