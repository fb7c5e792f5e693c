import { existsSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import YAML from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import type { Ctx } from '../../src/context.js'
import { ConflictError, NotFoundError } from '../../src/errors.js'
import { setMaster, showMasters, unsetMaster } from '../../src/master/index.js'
import { MASTER_STEPS } from '../../src/publish/master-transition.js'
import { publish } from '../../src/publish/index.js'
import { LocalRunner } from '../../src/run/local.js'
import { applyServerConfig, loadServerModel, MANAGED_PATHS, parseExports, renderExports } from '../../src/services/index.js'
import { MANAGED_MARK } from '../../src/services/values.js'
import { fakeInstance, parseGrub, parseIpxe, parsePxelinux } from '../helpers/boot-tree.js'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

const KVER = '6.1.0-50-amd64'
const A = '08:00:aa:bb:cc:01'
const B = '08:00:aa:bb:cc:02'
const dashed = (mac: string) => mac.replace(/:/g, '-')
const filesOf = (mac: string) => [`pxelinux.cfg/01-${dashed(mac)}`, `ipxe/01-${dashed(mac)}.ipxe`, `grub/grub.cfg-01-${dashed(mac)}`]

const worlds: string[] = []
afterEach(() => { for (const d of worlds.splice(0)) rmSync(d, { recursive: true, force: true }) })

beforeAll(() => {
  // master set re-applies the services only where `sidus server apply` installed them:
  // on this machine they must not be, or the CLI runs below would rewrite the real /etc
  for (const p of Object.values(MANAGED_PATHS)) {
    if (existsSync(p) && readFileSync(p, 'utf8').includes(MANAGED_MARK)) throw new Error(`${p} is managed by sidus on this machine: the master tests would change it`)
  }
})

async function world(instances = ['bookworm64']) {
  const w = tempWorld('boot:\n  console: ttyS0,115200\n')
  worlds.push(w.dir)
  for (const name of instances) fakeInstance(w.roots, name, [KVER])
  const ctx: Ctx = { config: loadConfig(w.config), runner: new LocalRunner(), log: () => {} }
  await publish(ctx, [])
  return { ...w, ctx }
}

/** the per-MAC files sidus wrote in the tree, by MAC */
function masterFilesOnDisk(tftp: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const dir of ['pxelinux.cfg', 'ipxe', 'grub']) {
    for (const f of existsSync(path.join(tftp, dir)) ? readdirSync(path.join(tftp, dir)) : []) {
      const m = /01-((?:[0-9a-f]{2}-){5}[0-9a-f]{2})/.exec(f)
      if (!m) continue
      const mac = m[1].replace(/-/g, ':')
      out.set(mac, [...(out.get(mac) ?? []), `${dir}/${f}`].sort())
    }
  }
  return out
}

/** the rw export lines the services render from the state on disk */
async function rwExports(ctx: Ctx, instance: string) {
  const lines = parseExports(renderExports(await loadServerModel(ctx)))
  return lines.filter((l) => l.path === path.join(ctx.config.paths.roots, instance) && l.options.includes('rw'))
}

/** the masters as nodes.yaml (beside sidus.yaml) records them: each instance's rw node */
function masters(w: { config: string }): Record<string, { mac: string; ip?: string; hostname: string }> {
  const file = path.join(path.dirname(w.config), 'nodes.yaml')
  const nodes = existsSync(file) ? (YAML.parse(readFileSync(file, 'utf8')).nodes ?? {}) as Record<string, { mac: string; ip?: string; instance?: string; mode?: string }> : {}
  return Object.fromEntries(Object.entries(nodes).filter(([, n]) => n.mode === 'rw' && n.instance).map(([name, n]) => [n.instance, { mac: n.mac, ip: n.ip, hostname: name }]))
}

describe('master', () => {
  it('set writes per-MAC pxelinux, iPXE and GRUB files booting sidus=rw with a rw NFS mount; the registry feeds one rw export', async () => {
    const w = await world()
    const r = await sidus(['master', 'set', 'bookworm64', '08-00-AA-BB-CC-01', '--json'], { env: w.env })
    expect(r.exitCode, r.all).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.master).toMatchObject({ instance: 'bookworm64', mac: A, ip: '10.20.17.253', hostname: 'bookworm64-master' })
    expect(out.written).toEqual(filesOf(A))
    expect(masters(w).bookworm64).toMatchObject({ mac: A, ip: '10.20.17.253' })

    const pxe = parsePxelinux(readFileSync(path.join(w.tftp, filesOf(A)[0]), 'utf8'))
    expect(pxe.directives.DEFAULT).toBe('bookworm64-rw')
    expect(pxe.entries).toHaveLength(1)
    const ipxe = parseIpxe(readFileSync(path.join(w.tftp, filesOf(A)[1]), 'utf8'))
    const grub = parseGrub(readFileSync(path.join(w.tftp, filesOf(A)[2]), 'utf8'))
    for (const e of [...pxe.entries, ...ipxe, ...grub]) {
      expect(e.append).toContain(`root=nfs:10.20.17.254:${w.roots}/bookworm64:vers=3,rsize=1048576,wsize=1048576,tcp,nolock,noatime,nocto,actimeo=1,hard,rw sidus=rw `)
      expect(e.append).not.toContain('sidus=overlay')
      // syslinux.efi in efi64/ reads pxelinux.cfg/ and the kernel through links
      for (const dir of ['', 'efi64']) {
        const resolve = (f: string) => (f.startsWith('/') ? path.join(w.tftp, f) : path.join(w.tftp, dir, f))
        expect(existsSync(resolve(e.kernel)), e.kernel).toBe(true)
        expect(existsSync(resolve(e.initrd!)), e.initrd).toBe(true)
      }
    }
    expect(existsSync(path.join(w.tftp, 'efi64', filesOf(A)[0]))).toBe(true)
    const rw = await rwExports(w.ctx, 'bookworm64')
    expect(rw.map((l) => l.client)).toEqual(['10.20.17.253'])

    const show = await sidus(['master', 'show', '--json'], { env: w.env })
    expect(JSON.parse(show.stdout).masters).toMatchObject([{ instance: 'bookworm64', mac: A, files: filesOf(A).map((p) => ({ path: p, present: true })) }])
    // list and info read the same registry
    const list = JSON.parse((await sidus(['list', '--json'], { env: w.env })).stdout)
    expect(list.instances.find((i: { name: string }) => i.name === 'bookworm64').master).toEqual({ mac: A, ip: '10.20.17.253' })
    const info = JSON.parse((await sidus(['info', 'bookworm64', '--json'], { env: w.env })).stdout)
    expect(info.master).toEqual({ mac: A, ip: '10.20.17.253' })
  })

  it('set another MAC replaces the master: old files gone, exactly one rw export; unset leaves none', async () => {
    const w = await world()
    await setMaster(w.ctx, 'bookworm64', A)
    const r = await setMaster(w.ctx, 'bookworm64', B, { ip: '10.20.17.20', hostname: 'admin64' })
    expect(r.previous?.mac).toBe(A)
    expect(r.removed).toEqual(filesOf(A))
    expect([...masterFilesOnDisk(w.tftp).entries()]).toEqual([[B, filesOf(B).sort()]])
    expect((await rwExports(w.ctx, 'bookworm64')).map((l) => l.client)).toEqual(['10.20.17.20'])
    expect(masters(w).bookworm64).toMatchObject({ mac: B, ip: '10.20.17.20', hostname: 'admin64' })

    const u = await sidus(['master', 'unset', 'bookworm64'], { env: w.env })
    expect(u.exitCode, u.all).toBe(0)
    expect(u.stdout).toContain(`${B} is no longer the master of bookworm64`)
    expect(masterFilesOnDisk(w.tftp).size).toBe(0)
    expect(await rwExports(w.ctx, 'bookworm64')).toEqual([])
    expect(masters(w)).toEqual({})
    expect((await showMasters(w.ctx)).masters).toEqual([])
  })

  it('the master is the instance\'s rw node of the inventory: master set on a node keeps its name and address, unset keeps the node', async () => {
    const w = await world()
    const C = '52:54:00:00:07:07'
    const add = await sidus(['node', 'add', 'n007', C, '--ip', '10.20.17.7', '--json'], { env: w.env })
    expect(add.exitCode, add.all).toBe(0)
    const r = await setMaster(w.ctx, 'bookworm64', C)
    expect(r.master).toMatchObject({ mac: C, ip: '10.20.17.7', hostname: 'n007', node: 'n007' })
    expect(masters(w)).toEqual({ bookworm64: { mac: C, ip: '10.20.17.7', hostname: 'n007' } })
    expect([...masterFilesOnDisk(w.tftp).entries()]).toEqual([[C, filesOf(C).sort()]])
    expect((await rwExports(w.ctx, 'bookworm64')).map((l) => l.client)).toEqual(['10.20.17.7'])
    // one rw machine per instance, whichever command asks
    const second = await sidus(['node', 'add', 'n008', '52:54:00:00:07:08', '--instance', 'bookworm64', '--mode', 'rw'], { env: w.env })
    expect(second.exitCode).toBe(73)
    expect(second.stderr).toContain('n008 and n007 would both boot bookworm64 read-write: one rw node per instance')
    // master show names the node; unset leaves the machine in the inventory, booting like the others
    expect((await showMasters(w.ctx)).masters).toMatchObject([{ instance: 'bookworm64', mac: C, node: 'n007' }])
    await unsetMaster(w.ctx, 'bookworm64')
    const list = JSON.parse((await sidus(['node', 'list', '--json'], { env: w.env })).stdout)
    expect(list.nodes).toMatchObject([{ name: 'n007', mac: C, ip: '10.20.17.7', instance: 'bookworm64' }])
    expect(list.nodes[0].mode).not.toBe('rw')
    expect(masterFilesOnDisk(w.tftp).size).toBe(0)
  })

  it('masters.yaml of an older sidus is read as is, and moved into nodes.yaml once by the next command that writes', async () => {
    const w = await world()
    const legacy = path.join(w.state, 'masters.yaml')
    writeFileSync(path.join(path.dirname(w.config), 'nodes.yaml'), '# the lab rack\nnodes:\n  n001: {mac: "52:54:00:00:00:01"}\n')
    writeFileSync(legacy, `masters:\n  bookworm64: {instance: bookworm64, mac: "${A}", ip: 10.20.17.253, hostname: admin64, since: "2024-01-01T00:00:00Z"}\n`)
    // readers see it before any write
    const info = JSON.parse((await sidus(['info', 'bookworm64', '--json'], { env: w.env })).stdout)
    expect(info.master).toEqual({ mac: A, ip: '10.20.17.253' })
    expect(existsSync(legacy)).toBe(true)
    const pub = await sidus(['publish'], { env: w.env })
    expect(pub.exitCode, pub.all).toBe(0)
    expect(pub.stderr + pub.stdout).toContain('are rw nodes of')
    expect(existsSync(legacy)).toBe(false)
    expect(existsSync(`${legacy}.migrated`)).toBe(true)
    const text = readFileSync(path.join(path.dirname(w.config), 'nodes.yaml'), 'utf8')
    expect(text).toContain('# the lab rack')
    expect(masters(w)).toEqual({ bookworm64: { mac: A, ip: '10.20.17.253', hostname: 'admin64' } })
    expect([...masterFilesOnDisk(w.tftp).entries()]).toEqual([[A, filesOf(A).sort()]])
    expect((await rwExports(w.ctx, 'bookworm64')).map((l) => l.client)).toEqual(['10.20.17.253'])
  })

  it('refuses the same MAC on a second root, naming the first, and other bad input with the fix', async () => {
    const w = await world(['bookworm64', 'trixie64'])
    await setMaster(w.ctx, 'bookworm64', A)
    await expect(setMaster(w.ctx, 'trixie64', 'aabb.ccdd.ee01'.replace('aabb.ccdd', '0800.aabb').replace('.ee01', '.cc01'))).rejects.toThrow(ConflictError)
    const r = await sidus(['master', 'set', 'trixie64', '0800AABBCC01'], { env: w.env })
    expect(r.exitCode).toBe(73)
    expect(r.stderr).toContain(`${A} is already the master of bookworm64`)
    expect(r.stderr).toContain('fix: unset it there first: sidus master unset bookworm64')
    const bad = await sidus(['master', 'set', 'trixie64', '01:00:5e:00:00:01'], { env: w.env })
    expect(bad.exitCode).toBe(64)
    expect(bad.stderr).toContain('is a multicast address')
    const missing = await sidus(['master', 'set', 'nope64', B], { env: w.env })
    expect(missing.exitCode).toBe(66)
    // a root with no kernel published has nothing for its master to boot
    fakeInstance(w.roots, 'sid64', [])
    await expect(setMaster(w.ctx, 'sid64', B)).rejects.toThrow(NotFoundError)
    expect(masters(w).sid64).toBeUndefined()
    expect([...masterFilesOnDisk(w.tftp).keys()]).toEqual([A])
  })

  it('publishing again keeps the master\'s files on the instance\'s newest kernel', async () => {
    const w = await world()
    await setMaster(w.ctx, 'bookworm64', A)
    fakeInstance(w.roots, 'bookworm64', ['6.1.0-60-amd64'])
    unlinkSync(path.join(w.roots, 'bookworm64/boot', `vmlinuz-${KVER}`))
    unlinkSync(path.join(w.roots, 'bookworm64/boot', `initrd.img-${KVER}`))
    const s = await publish(w.ctx, ['bookworm64'])
    expect(s.updated).toEqual(expect.arrayContaining(filesOf(A)))
    const pxe = parsePxelinux(readFileSync(path.join(w.tftp, filesOf(A)[0]), 'utf8'))
    expect(pxe.entries[0].kernel).toBe('vmlinuz-6.1.0-60-amd64@bookworm64')
    expect(existsSync(path.join(w.tftp, `vmlinuz-${KVER}@bookworm64`))).toBe(false)
    expect((await publish(w.ctx, [])).changed).toBe(false)
  })

  it('switches the rw export in the applied service files together with the boot files', async () => {
    const w = await world()
    const etc = path.join(w.dir, 'server-root')
    await applyServerConfig(w.ctx, { root: etc })
    const exportsFile = path.join(etc, MANAGED_PATHS.exports)
    const rwLines = () => parseExports(readFileSync(exportsFile, 'utf8')).filter((l) => l.options.includes('rw') && l.path.endsWith('/bookworm64'))
    expect(rwLines()).toEqual([])
    const a = await setMaster(w.ctx, 'bookworm64', A, { servicesRoot: etc })
    expect(a.servicesSkipped).toBeUndefined()
    expect(rwLines().map((l) => l.client)).toEqual(['10.20.17.253'])
    await setMaster(w.ctx, 'bookworm64', B, { ip: '10.20.17.30', servicesRoot: etc })
    expect(rwLines().map((l) => l.client)).toEqual(['10.20.17.30'])
    expect(readFileSync(path.join(etc, MANAGED_PATHS.dnsmasq), 'utf8')).toContain(B)
    expect(readFileSync(path.join(etc, MANAGED_PATHS.dnsmasq), 'utf8')).not.toContain(A)
    await unsetMaster(w.ctx, 'bookworm64', { servicesRoot: etc })
    expect(rwLines()).toEqual([])
  })

  describe('an interrupted change leaves one consistent master', () => {
    /** on disk right after the kill: one master in the registry, never two MACs' boot files, and a journal whenever the change is incomplete */
    async function checkRaw(w: Awaited<ReturnType<typeof world>>, allowed: (string | undefined)[]) {
      const state = masters(w).bookworm64?.mac as string | undefined
      expect(allowed).toContain(state)
      const onDisk = masterFilesOnDisk(w.tftp)
      expect(onDisk.size).toBeLessThanOrEqual(1)
      for (const mac of onDisk.keys()) expect(allowed).toContain(mac)
      const rw = await rwExports(w.ctx, 'bookworm64')
      expect(rw.length).toBe(state ? 1 : 0)
      const complete = state ? onDisk.size === 1 && onDisk.get(state)!.length === 3 : onDisk.size === 0
      if (!complete) expect(existsSync(path.join(w.state, 'master-journal.yaml')), 'journal of the pending change').toBe(true)
      return state
    }

    it.each(MASTER_STEPS.map((s) => [s]))('master set killed after step %s', async (step) => {
      const w = await world()
      await setMaster(w.ctx, 'bookworm64', A)
      const r = await sidus(['master', 'set', 'bookworm64', B, '--ip', '10.20.17.40'], { env: { ...w.env, SIDUS_FAULT: `master-set:${step}` } })
      expect(r.signal ?? r.exitCode, r.all).toBe('SIGKILL')
      await checkRaw(w, [A, B])
      // the next sidus command completes it: the new master, whole
      const show = await sidus(['master', 'show', '--json'], { env: w.env })
      expect(show.exitCode, show.all).toBe(0)
      expect(JSON.parse(show.stdout).masters).toMatchObject([{ mac: B, ip: '10.20.17.40', files: filesOf(B).map((p) => ({ path: p, present: true })) }])
      expect([...masterFilesOnDisk(w.tftp).entries()]).toEqual([[B, filesOf(B).sort()]])
      expect((await rwExports(w.ctx, 'bookworm64')).map((l) => l.client)).toEqual(['10.20.17.40'])
      expect(existsSync(path.join(w.state, 'master-journal.yaml'))).toBe(false)
    })

    it.each(MASTER_STEPS.filter((s) => !['pxelinux', 'ipxe', 'grub'].includes(s)).map((s) => [s]))('master unset killed after step %s', async (step) => {
      const w = await world()
      await setMaster(w.ctx, 'bookworm64', A)
      const r = await sidus(['master', 'unset', 'bookworm64'], { env: { ...w.env, SIDUS_FAULT: `master-unset:${step}` } })
      expect(r.signal ?? r.exitCode, r.all).toBe('SIGKILL')
      await checkRaw(w, [A, undefined])
      // publish is a next command too: it completes the change before touching the tree
      const p = await sidus(['publish', '--json'], { env: w.env })
      expect(p.exitCode, p.all).toBe(0)
      expect(masterFilesOnDisk(w.tftp).size).toBe(0)
      expect(masters(w)).toEqual({})
      expect(await rwExports(w.ctx, 'bookworm64')).toEqual([])
    })
  })
})
