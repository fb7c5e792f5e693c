import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { parseConfig } from '../../src/config/load.js'
import type { Ctx } from '../../src/context.js'
import { isLocked } from '../../src/chroot/locks.js'
import { ConfigError } from '../../src/errors.js'
import { SWAP_STEPS } from '../../src/generations/index.js'
import { setMaster } from '../../src/master/index.js'
import { publish } from '../../src/publish/index.js'
import { startBootServer } from '../../src/serve/server.js'
import { LocalRunner } from '../../src/run/local.js'
import { loadServerModel, parseExports, renderExports } from '../../src/services/index.js'
import { fakeInstance } from '../helpers/boot-tree.js'
import { makeBusyboxRoot } from '../helpers/busybox-root.js'
import { sidus, sidusSpawn } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

const NAME = 'bookworm64'
const KVER = '6.1.0-50-amd64'
const KVER2 = '6.1.0-51-amd64'

const worlds: string[] = []
afterEach(() => { for (const d of worlds.splice(0)) rmSync(d, { recursive: true, force: true }) })

const dpkgStatus = (pkgs: [string, string][]) => pkgs.map(([p, v]) => `Package: ${p}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${v}\n`).join('\n')

/** A busybox root with a kernel, an /etc file, a /usr file and a dpkg status file, published. */
async function world(extra = '') {
  const w = tempWorld(`boot:\n  console: ttyS0,115200\n${extra}`)
  worlds.push(w.dir)
  const live = path.join(w.roots, NAME)
  makeBusyboxRoot(live)
  fakeInstance(w.roots, NAME, [KVER])
  mkdirSync(path.join(live, 'usr/lib'), { recursive: true })
  mkdirSync(path.join(live, 'var/lib/dpkg'), { recursive: true })
  writeFileSync(path.join(live, 'etc/x'), 'one\n')
  writeFileSync(path.join(live, 'usr/lib/libfoo.so'), 'foo 1\n')
  writeFileSync(path.join(live, 'usr/lib/libbar.so'), 'bar 1\n')
  writeFileSync(path.join(live, 'var/lib/dpkg/status'), dpkgStatus([['alpha', '1.0'], ['beta', '1.0']]))
  const ctx: Ctx = { config: loadConfig(w.config), runner: new LocalRunner(), log: () => {} }
  await publish(ctx, [])
  const gens = path.join(w.roots, '.generations', NAME)
  return { ...w, ctx, live, gens, stage: path.join(gens, 'stage'), run: (args: string[]) => sidus(args, { env: w.env }) }
}

async function waitFor(ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (await ok()) return
  }
  throw new Error('timed out')
}

const read = (p: string) => readFileSync(p, 'utf8')
const journal = (state: string) => path.join(state, 'generations', `${NAME}.journal.yaml`)
const isRoot = (dir: string) => existsSync(path.join(dir, 'bin/busybox')) && existsSync(path.join(dir, 'etc/x')) && existsSync(path.join(dir, 'usr/lib/libfoo.so'))
const generationOf = (dir: string) => (existsSync(path.join(dir, 'etc/sidus-generation')) ? Number(read(path.join(dir, 'etc/sidus-generation'))) : 1)

describe('generations', () => {
  it('stage, promote and rollback keep the exported path; the stage never writes into the live generation', async () => {
    const w = await world()
    const s = await w.run(['stage', NAME, '--json'])
    expect(s.exitCode, s.all).toBe(0)
    const staged = JSON.parse(s.stdout)
    expect(staged).toMatchObject({ instance: NAME, stage: w.stage, from: 1, method: 'hardlink' })
    expect(staged.seconds).toBeGreaterThanOrEqual(0)
    expect(staged.copiedBytes).toBeGreaterThan(0)
    // hard links outside /etc, /var, /root; real copies in them
    expect(statSync(path.join(w.stage, 'usr/lib/libbar.so')).ino).toBe(statSync(path.join(w.live, 'usr/lib/libbar.so')).ino)
    expect(statSync(path.join(w.stage, 'etc/x')).ino).not.toBe(statSync(path.join(w.live, 'etc/x')).ino)
    expect(statSync(path.join(w.stage, `boot/initrd.img-${KVER}`)).ino).not.toBe(statSync(path.join(w.live, `boot/initrd.img-${KVER}`)).ino)
    // a second stage is refused with the fix
    const again = await w.run(['stage', NAME])
    expect(again.exitCode).toBe(73)
    expect(again.stderr).toMatch(/stage already[\s\S]*sidus promote bookworm64[\s\S]*--discard/)

    // an in-place write and a package-tool style replace (rename) in the stage
    const e = await w.run(['exec', NAME, '--staged', '--', 'sh', '-c', 'echo two >> /etc/x && echo "foo 2" > /usr/lib/libfoo.so.new && mv /usr/lib/libfoo.so.new /usr/lib/libfoo.so'])
    expect(e.exitCode, e.all).toBe(0)
    expect(read(path.join(w.live, 'etc/x'))).toBe('one\n')
    expect(read(path.join(w.live, 'usr/lib/libfoo.so'))).toBe('foo 1\n')
    expect(read(path.join(w.stage, 'etc/x'))).toBe('one\ntwo\n')
    // exec without --staged still sees the live root
    expect((await w.run(['exec', NAME, '--', 'cat', '/etc/x'])).stdout).toBe('one')
    // a new kernel in the stage: the menus follow the promotion
    fakeInstance(path.dirname(w.stage), 'stage', [KVER2])

    // a client that booted generation 1 holds its files open (its NFS file handles name the inodes)
    const fd = openSync(path.join(w.live, 'etc/x'), 'r')
    const p = await w.run(['promote', NAME, '--json'])
    expect(p.exitCode, p.all).toBe(0)
    expect(JSON.parse(p.stdout)).toMatchObject({ instance: NAME, live: 2, kept: 1, root: w.live })
    const buf = Buffer.alloc(64)
    expect(buf.subarray(0, readSync(fd, buf, 0, 64, 0)).toString()).toBe('one\n')
    closeSync(fd)
    expect(read(path.join(w.live, 'etc/x'))).toBe('one\ntwo\n')
    expect(read(path.join(w.live, 'usr/lib/libfoo.so'))).toBe('foo 2\n')
    expect(read(path.join(w.live, 'etc/sidus-generation'))).toBe('2\n')
    expect(read(path.join(w.gens, '1/etc/x'))).toBe('one\n')
    expect(existsSync(w.stage)).toBe(false)
    expect(existsSync(path.join(w.tftp, `vmlinuz-${KVER2}@${NAME}`))).toBe(true)
    expect(read(path.join(w.tftp, 'pxelinux.cfg/default'))).toContain(`vmlinuz-${KVER2}@${NAME}`)
    // the kept generation stays exported read-only (booted clients' file handles name its directory); the live path is still the root's export
    const exportLines = parseExports(renderExports(await loadServerModel(w.ctx)))
    expect(exportLines.filter((l) => l.path === path.join(w.gens, '1')).map((l) => l.options[0])).toEqual(['ro'])
    expect(exportLines.filter((l) => l.path === w.live).length).toBe(1)
    // the generations directory is not an instance
    const list = JSON.parse((await w.run(['list', '--json'])).stdout)
    expect(JSON.stringify(list)).not.toContain('.generations')

    const r = await w.run(['rollback', NAME, '--json'])
    expect(r.exitCode, r.all).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ live: 1, kept: 2, root: w.live })
    expect(read(path.join(w.live, 'etc/x'))).toBe('one\n')
    expect(read(path.join(w.gens, '2/etc/x'))).toBe('one\ntwo\n')
    expect(readdirSync(w.gens).sort()).toEqual(['2'])
    // forward again with --to
    const f = await w.run(['rollback', NAME, '--to', '2', '--json'])
    expect(f.exitCode, f.all).toBe(0)
    expect(generationOf(w.live)).toBe(2)
    const bad = await w.run(['rollback', NAME, '--to', '7'])
    expect(bad.exitCode).toBe(66)
    expect(bad.stderr).toContain('no kept generation 7')
  })

  it('generations --json lists live, kept and staged with package changes from the dpkg status files', async () => {
    const w = await world()
    expect((await w.run(['stage', NAME])).exitCode).toBe(0)
    writeFileSync(path.join(w.stage, 'var/lib/dpkg/status'), dpkgStatus([['alpha', '1.1'], ['gamma', '2.0']]))
    const before = JSON.parse((await w.run(['generations', NAME, '--json'])).stdout)
    expect(before.generations.map((g: { state: string; number?: number }) => [g.state, g.number ?? null])).toEqual([['staged', null], ['live', 1]])
    expect(before.generations[0].packages).toMatchObject({ compared: 1, added: [{ name: 'gamma', version: '2.0' }], removed: [{ name: 'beta', version: '1.0' }], upgraded: [{ name: 'alpha', from: '1.0', to: '1.1' }] })
    // promote takes the instance lock: not while a session works in the root
    const session = sidusSpawn(['exec', NAME, '--staged', '--', 'sleep', '4'], { env: w.env })
    await waitFor(async () => (await isLocked(w.ctx, NAME)).held)
    const busy = await w.run(['promote', NAME])
    expect(busy.exitCode, busy.all).toBe(75)
    expect(busy.stderr).toContain('in use')
    expect((await session).exitCode).toBe(0)
    expect((await w.run(['promote', NAME])).exitCode).toBe(0)
    const g = await w.run(['generations', NAME, '--json'])
    expect(g.exitCode, g.all).toBe(0)
    const v = JSON.parse(g.stdout)
    expect(v).toMatchObject({ instance: NAME, live: 2, keep: 3 })
    const [live, kept] = v.generations
    expect(live).toMatchObject({ number: 2, state: 'live', path: w.live })
    expect(live.packages).toMatchObject({ compared: 1, added: [{ name: 'gamma' }], removed: [{ name: 'beta' }], upgraded: [{ name: 'alpha', from: '1.0', to: '1.1' }] })
    expect(kept).toMatchObject({ number: 1, state: 'kept', path: path.join(w.gens, '1'), packages: { compared: 'none' } })
    // busybox is hard-linked between the two: counted once, in the newer one
    expect(kept.bytes).toBeGreaterThan(1_000_000)
    expect(kept.ownBytes).toBeLessThan(kept.bytes / 2)
    expect(Date.parse(live.date)).toBeGreaterThan(0)
    const text = await w.run(['generations', NAME])
    expect(text.stdout).toMatch(/^2\s+live\s.*\+1 -1 ~1 \(vs 1\)$/m)
  })

  it('prune refuses without boot records unless forced; generations.keep is validated', async () => {
    const w = await world('generations:\n  keep: 1\n')
    for (let i = 0; i < 2; i++) {
      expect((await w.run(['stage', NAME])).exitCode).toBe(0)
      const p = await w.run(['promote', NAME, '--json'])
      expect(p.exitCode, p.all).toBe(0)
      expect(JSON.parse(p.stdout).beyondKeep).toEqual(i === 0 ? [] : [1])
    }
    const refused = await w.run(['generations', 'prune', NAME])
    expect(refused.exitCode).toBe(73)
    expect(refused.stderr).toMatch(/no boot records[\s\S]*generation 1[\s\S]*--force/)
    expect(readdirSync(w.gens).sort()).toEqual(['1', '2'])
    const forced = await w.run(['generations', 'prune', NAME, '--force', '--json'])
    expect(forced.exitCode, forced.all).toBe(0)
    expect(JSON.parse(forced.stdout)).toMatchObject({ removed: [1], keep: 1 })
    expect(readdirSync(w.gens).sort()).toEqual(['2'])
    expect(isRoot(w.live) && isRoot(path.join(w.gens, '2'))).toBe(true)
    // deleting the instance takes its generations with it
    const d = await w.run(['delete', NAME, '--force'])
    expect(d.exitCode, d.all).toBe(0)
    expect(existsSync(w.gens)).toBe(false)
    for (const bad of ['0', '1.5', 'two']) {
      expect(() => parseConfig(`generations:\n  keep: ${bad}\n`, 'sidus.yaml')).toThrow(ConfigError)
    }
    expect(() => parseConfig('generations:\n  keep: 0\n', 'sidus.yaml')).toThrow(/sidus.yaml:2: generations.keep: must be a whole number/)
  })

  it('prune keeps what the boot records of sidus serve say a node booted last, and what was live before they begin', async () => {
    const w = await world('generations:\n  keep: 1\n')
    const nodes = { n1: '52:54:00:9e:00:01', n2: '52:54:00:9e:00:02' }
    for (const [n, mac] of Object.entries(nodes)) expect((await w.run(['node', 'add', n, mac])).exitCode).toBe(0)
    const promoteOnce = async () => {
      expect((await w.run(['stage', NAME])).exitCode).toBe(0)
      const p = await w.run(['promote', NAME])
      expect(p.exitCode, p.all).toBe(0)
    }
    // a real serve on loopback, asked as iPXE asks: the node's script, then its kernel
    const server = await startBootServer(w.ctx, { address: '127.0.0.1', port: 0 })
    const bootNode = async (mac: string) => {
      let script = await (await fetch(`${server.url}/ipxe/${mac}.ipxe`)).text()
      // a node on the default instance boots what the menu boots: its first entry
      const chained = /^chain (\S+)/m.exec(script)?.[1]
      if (chained) script = await (await fetch(new URL(chained, `${server.url}/`))).text()
      expect(script).toMatch(/^kernel \S*vmlinuz-/m)
      const kernel = /^kernel (\S+)/m.exec(script)?.[1]
      const r = await fetch(new URL(kernel!, `${server.url}/`))
      expect(r.status).toBe(200)
      await r.arrayBuffer()
    }
    try {
      // generation 1 was live before the first record: nobody can tell who else still runs it
      await bootNode(nodes.n2) // n2 boots generation 1
      await promoteOnce()
      await bootNode(nodes.n1) // n1 boots generation 2
      await promoteOnce()
      await bootNode(nodes.n2) // n2 boots generation 3
      await promoteOnce() // 4 live; kept 3, 2, 1; beyond keep: 2, 1
      const held = await w.run(['generations', 'prune', NAME, '--json'])
      expect(held.exitCode, held.all).toBe(0)
      expect(JSON.parse(held.stdout)).toMatchObject({ removed: [], inUse: [2], inUseBy: { 2: ['n1'] }, unknown: [1] })
      expect(readdirSync(w.gens).sort()).toEqual(['1', '2', '3'])
      const text = await w.run(['generations', 'prune', NAME])
      expect(text.stdout).toMatch(/kept generation 2: booted last by n1[\s\S]*kept generation 1: live before the boot records begin/)
      // n1 reboots onto the live generation: 2 is free
      await bootNode(nodes.n1)
      const freed = await w.run(['generations', 'prune', NAME, '--json'])
      expect(JSON.parse(freed.stdout)).toMatchObject({ removed: [2], inUse: [], unknown: [1] })
      expect(readdirSync(w.gens).sort()).toEqual(['1', '3'])
    } finally {
      await server.close()
    }
    const events = readFileSync(path.join(w.state, 'events/boot.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; generation?: number | null; node: string | null })
    expect(events.filter((e) => e.kind === 'kernel').map((e) => [e.node, e.generation])).toEqual([['n2', 1], ['n1', 2], ['n2', 3], ['n1', 4]])
    // a site that boots by TFTP has no records to tell: refused without --force
    writeFileSync(w.config, read(w.config).replace('boot:\n', 'boot:\n  loader: pxelinux\n'))
    const refused = await w.run(['generations', 'prune', NAME])
    expect(refused.exitCode).toBe(73)
    expect(refused.stderr).toMatch(/no boot records[\s\S]*generation 1[\s\S]*--force/)
    expect(readdirSync(w.gens).sort()).toEqual(['1', '3'])
  })

  it('a read-write master refuses stage and promote unless --force', async () => {
    const w = await world()
    await setMaster(w.ctx, NAME, '08:00:aa:bb:cc:01')
    const r = await w.run(['stage', NAME])
    expect(r.exitCode).toBe(73)
    expect(r.stderr).toMatch(/read-write master \(08:00:aa:bb:cc:01[\s\S]*sidus master unset bookworm64[\s\S]*--force/)
    expect(existsSync(w.stage)).toBe(false)
    expect((await w.run(['stage', NAME, '--force'])).exitCode).toBe(0)
    const p = await w.run(['promote', NAME])
    expect(p.exitCode).toBe(73)
    expect(generationOf(w.live)).toBe(1)
    expect((await w.run(['promote', NAME, '--force'])).exitCode).toBe(0)
    expect(generationOf(w.live)).toBe(2)
  })

  describe('a promote killed at any step is finished by the next sidus', () => {
    // the command that comes next and must finish the swap: promote again, an exec, a listing
    const next: Record<string, string[]> = { journal: ['promote', NAME], 'live-moved': ['exec', NAME, '--', 'cat', '/etc/x'] }

    it.each(SWAP_STEPS.map((s) => [s]))('promote killed after step %s', async (step) => {
      const w = await world()
      expect((await w.run(['stage', NAME])).exitCode).toBe(0)
      writeFileSync(path.join(w.stage, 'etc/x'), 'staged\n')
      const killed = await sidus(['promote', NAME], { env: { ...w.env, SIDUS_FAULT: `promote:${step}` } })
      expect(killed.signal ?? killed.exitCode, killed.all).toBe('SIGKILL')
      // right after the kill: both roots whole, each in one place; the live path holds one of them
      // whole, or (only between the two renames) nothing, and the journal says what to finish
      expect(existsSync(journal(w.state))).toBe(true)
      const places = [w.live, w.stage, path.join(w.gens, '1')].filter((d) => existsSync(d))
      expect(places.every(isRoot)).toBe(true)
      expect(places.map((d) => read(path.join(d, 'etc/x'))).sort()).toEqual(['one\n', 'staged\n'])
      if (step === 'live-moved') expect(existsSync(w.live)).toBe(false)
      else expect(isRoot(w.live)).toBe(true)

      const r = await w.run(next[step] ?? ['generations', NAME, '--json'])
      expect(r.exitCode, r.all).toBe(0)
      expect(read(path.join(w.live, 'etc/x'))).toBe('staged\n')
      expect(generationOf(w.live)).toBe(2)
      expect(read(path.join(w.gens, '1/etc/x'))).toBe('one\n')
      expect(existsSync(w.stage)).toBe(false)
      expect(existsSync(journal(w.state))).toBe(false)
      if (step === 'live-moved') expect(r.stdout).toBe('staged')
    })
  })
})
