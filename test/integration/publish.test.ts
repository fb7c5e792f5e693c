import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import type { Ctx } from '../../src/context.js'
import { BusyError, ConfigError, MissingPackageError, NotFoundError } from '../../src/errors.js'
import { IPXE_FIRMWARE_LEASE } from '../../src/publish/cmdline.js'
import { treeLockFile } from '../../src/publish/lock.js'
import { publish, unpublishInstance } from '../../src/publish/index.js'
import { LOADER_FILES } from '../../src/domain/tftp.js'
import { LocalRunner } from '../../src/run/local.js'
import { fakeInstance, parseGrub, parseIpxe, parsePxelinux, snapshot } from '../helpers/boot-tree.js'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

const worlds: string[] = []
afterEach(() => { for (const d of worlds.splice(0)) rmSync(d, { recursive: true, force: true }) })

function world(extra = '') {
  const w = tempWorld(`boot:\n  timeout: 3\n  default_mode: aufs\n  console: ttyS0,115200\n${extra}`)
  worlds.push(w.dir)
  const logs: string[] = []
  const ctx: Ctx = { config: loadConfig(w.config), runner: new LocalRunner(), log: (l) => logs.push(l) }
  return { ...w, ctx, logs }
}

const OLD = '6.1.0-9-amd64'
const NEW = '6.1.0-50-amd64'
/** until some process holds a flock on `file` (read from the kernel's lock table) */
async function waitForLock(file: string): Promise<void> {
  const ino = statSync(file).ino
  for (let i = 0; i < 200; i++) {
    if (readFileSync('/proc/locks', 'utf8').split('\n').some((l) => / FLOCK /.test(l) && l.includes(`:${ino} `))) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`nobody took the lock ${file}`)
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')

/** every LABEL/item of a menu names a kernel and an initrd that exist, seen from `dir` (as the loader there resolves them) */
function expectBootable(tftp: string, dir: string, entries: { label: string; kernel: string; initrd?: string }[]) {
  for (const e of entries) {
    if (e.label === 'local') continue
    const resolve = (f: string) => (f.startsWith('/') ? path.join(tftp, f) : path.join(tftp, dir, f))
    expect(existsSync(resolve(e.kernel)), `${e.label}: ${e.kernel} from ${dir || '/'}`).toBe(true)
    expect(e.initrd, `${e.label} has an initrd`).toBeTruthy()
    expect(existsSync(resolve(e.initrd!)), `${e.label}: ${e.initrd} from ${dir || '/'}`).toBe(true)
  }
}

describe('publish', () => {
  it('copies kernels as <file>-<kver>@<name> world-readable, links them in efi32/efi64, installs loaders, renders bootable menus', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [OLD, NEW])
    fakeInstance(w.roots, 'lab-1', ['6.12.0-1-amd64', '6.13.0-1-amd64'], { noInitrd: ['6.13.0-1-amd64'] })
    const s = await publish(w.ctx, [])
    expect(s.changed).toBe(true)
    expect(s.instances).toEqual([{ name: 'bookworm64', kernels: [NEW, OLD] }, { name: 'lab-1', kernels: ['6.12.0-1-amd64'] }])
    expect(s.warnings.join('\n')).toMatch(/vmlinuz-6\.13\.0-1-amd64 has no initrd\.img-6\.13\.0-1-amd64/)

    for (const [name, kver] of [['bookworm64', OLD], ['bookworm64', NEW], ['lab-1', '6.12.0-1-amd64']]) {
      for (const [src, dest] of [[`vmlinuz-${kver}`, `vmlinuz-${kver}@${name}`], [`initrd.img-${kver}`, `initrd.img-${kver}@${name}`]]) {
        const file = path.join(w.tftp, dest)
        expect(statSync(file).mode & 0o777, dest).toBe(0o644)
        expect(sha(file)).toBe(sha(path.join(w.roots, name, 'boot', src)))
        for (const efi of ['efi32', 'efi64']) {
          expect(readlinkSync(path.join(w.tftp, efi, dest))).toBe(`../${dest}`)
          expect(sha(path.join(w.tftp, efi, dest))).toBe(sha(file))
        }
      }
    }
    expect(existsSync(path.join(w.tftp, 'vmlinuz-6.13.0-1-amd64@lab-1'))).toBe(false)
    for (const l of LOADER_FILES) {
      expect(sha(path.join(w.tftp, l.dest)), l.dest).toBe(sha(l.source))
      expect(statSync(path.join(w.tftp, l.dest)).mode & 0o777).toBe(0o644)
    }
    for (const efi of ['efi32', 'efi64']) expect(readlinkSync(path.join(w.tftp, efi, 'pxelinux.cfg'))).toBe('../pxelinux.cfg')

    const pxe = parsePxelinux(readFileSync(path.join(w.tftp, 'pxelinux.cfg/default'), 'utf8'))
    expect(pxe.directives).toMatchObject({ UI: 'menu.c32', TIMEOUT: '30', DEFAULT: 'bookworm64-aufs', SERIAL: '0 115200' })
    expect(pxe.entries.map((e) => e.label)).toEqual(['bookworm64-overlay', 'bookworm64-aufs', `bookworm64-${OLD}-overlay`, 'lab-1-overlay', 'lab-1-aufs', 'local'])
    // BIOS pxelinux resolves from the root; syslinux.efi from its own directory, through the links
    for (const dir of ['', 'efi64', 'efi32']) expectBootable(w.tftp, dir, pxe.entries)
    for (const e of pxe.entries.filter((x) => x.label !== 'local')) {
      const mode = e.label.endsWith('-aufs') ? 'aufs' : 'overlay'
      const name = e.label.startsWith('lab-1') ? 'lab-1' : 'bookworm64'
      expect(e.kernel).toMatch(new RegExp(`^vmlinuz-.+@${name}$`))
      expect(e.initrd).toBe(e.kernel.replace('vmlinuz-', 'initrd.img-'))
      expect(e.append).toContain(` ip=dhcp root=nfs:${w.ctx.config.server.address}:${w.roots}/${name}:vers=3,rsize=1048576,wsize=1048576,tcp,nolock,noatime,nocto,actimeo=1,hard sidus=${mode} console=ttyS0,115200`)
    }
    expect(pxe.entries.find((e) => e.label === 'bookworm64-overlay')!.kernel).toBe(`vmlinuz-${NEW}@bookworm64`)

    const ipxe = parseIpxe(readFileSync(path.join(w.tftp, 'sidus.ipxe'), 'utf8'))
    expect(ipxe.map((e) => e.label)).toEqual(pxe.entries.filter((e) => e.label !== 'local').map((e) => e.label))
    expectBootable(w.tftp, '', ipxe)
    // iPXE's line hands the initrd the firmware's lease where pxelinux's says ip=dhcp; the rest is the same
    for (const e of ipxe) expect(e.append).toBe(pxe.entries.find((p) => p.label === e.label)!.append.replace('ip=dhcp', IPXE_FIRMWARE_LEASE))
    const grubText = readFileSync(path.join(w.tftp, 'grub/grub.cfg'), 'utf8')
    const grub = parseGrub(grubText)
    expect(grub.map((e) => e.label)).toEqual(ipxe.map((e) => e.label))
    expectBootable(w.tftp, '', grub)
    expect(grubText).toContain('set default=bookworm64-aufs')
    expect(grubText).toContain('set timeout=3')
  })

  it('changes nothing on a second run: same inodes and mtimes, and says "no changes"', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [NEW])
    await publish(w.ctx, [])
    const before = snapshot(w.tftp)
    await new Promise((r) => setTimeout(r, 20))
    const s = await publish(w.ctx, [])
    expect(s).toMatchObject({ changed: false, added: [], updated: [], removed: [], menus: [] })
    expect(snapshot(w.tftp)).toEqual(before)
    const cli = await sidus(['publish'], { env: w.env })
    expect(cli.exitCode, cli.all).toBe(0)
    expect(cli.stdout).toContain('no changes')
    expect(snapshot(w.tftp)).toEqual(before)
  })

  it('prunes a kernel that left its /boot and the files of a root that is gone, and never touches another instance\'s files', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [OLD, NEW])
    fakeInstance(w.roots, 'trixie64', [OLD])
    await publish(w.ctx, [])
    // the files of an instance whose root is gone (removed outside sidus), and an admin's own file
    writeFileSync(path.join(w.tftp, `vmlinuz-${OLD}@ghost`), 'x')
    writeFileSync(path.join(w.tftp, `initrd.img-${OLD}@ghost`), 'x')
    writeFileSync(path.join(w.tftp, 'memtest86+'), 'x')
    const before = snapshot(w.tftp)
    unlinkSync(path.join(w.roots, 'bookworm64/boot', `vmlinuz-${OLD}`))
    unlinkSync(path.join(w.roots, 'bookworm64/boot', `initrd.img-${OLD}`))
    const s = await publish(w.ctx, ['bookworm64'])
    const gone = [`vmlinuz-${OLD}@bookworm64`, `initrd.img-${OLD}@bookworm64`]
    const ghost = [`vmlinuz-${OLD}@ghost`, `initrd.img-${OLD}@ghost`]
    expect(s.removed).toEqual([...gone.flatMap((f) => [`efi32/${f}`, `efi64/${f}`]), ...gone, ...ghost].sort())
    expect(s.warnings).toContain(`ghost: its root ${path.join(w.roots, 'ghost')} is gone; its boot files are removed from the tree`)
    expect(existsSync(path.join(w.tftp, 'memtest86+'))).toBe(true)
    expect(s.updated.sort()).toEqual(['grub/grub.cfg', 'pxelinux.cfg/default', 'sidus.ipxe'])
    expect(s.added).toEqual([])
    const after = snapshot(w.tftp)
    for (const [file, stamp] of Object.entries(before)) {
      if (s.removed.includes(file) || s.updated.includes(file)) continue
      expect(after[file], file).toBe(stamp)
    }
    expect(after[`vmlinuz-${OLD}@trixie64`]).toBe(before[`vmlinuz-${OLD}@trixie64`])
    const menu = readFileSync(path.join(w.tftp, 'pxelinux.cfg/default'), 'utf8')
    expect(menu).not.toContain(`${OLD}@bookworm64`)
    expect(menu).toContain(`vmlinuz-${OLD}@trixie64`)
    expectBootable(w.tftp, 'efi64', parsePxelinux(menu).entries)
  })

  it('--dry-run prints the changes and menu diffs and writes nothing; --json returns them', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [OLD])
    await publish(w.ctx, [])
    fakeInstance(w.roots, 'bookworm64', [NEW])
    const before = snapshot(w.tftp)
    const json = await sidus(['publish', '--dry-run', '--json'], { env: w.env })
    expect(json.exitCode, json.all).toBe(0)
    const s = JSON.parse(json.stdout)
    expect(s.dryRun).toBe(true)
    expect(s.added).toContain(`vmlinuz-${NEW}@bookworm64`)
    expect(s.added).toContain(`efi64/initrd.img-${NEW}@bookworm64`)
    const menuDiff = s.menus.find((m: { path: string }) => m.path === 'pxelinux.cfg/default')
    expect(menuDiff.diff).toContain(`+  KERNEL vmlinuz-${NEW}@bookworm64`)
    expect(menuDiff.diff).toContain(`-  KERNEL vmlinuz-${OLD}@bookworm64`)
    const human = await sidus(['publish', 'bookworm64', '--dry-run'], { env: w.env })
    expect(human.exitCode, human.all).toBe(0)
    expect(human.stdout).toContain(`would be added   vmlinuz-${NEW}@bookworm64`)
    expect(human.stdout).toContain('+++ b/pxelinux.cfg/default')
    expect(snapshot(w.tftp)).toEqual(before)
    const real = await sidus(['publish', 'bookworm64', '--json'], { env: w.env })
    expect(JSON.parse(real.stdout).added).toEqual(s.added)
  })

  it('names the missing package when a boot loader is not installed, before writing anything', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [NEW])
    const host = path.join(w.dir, 'host')
    for (const l of LOADER_FILES.filter((x) => x.pkg !== 'shim-signed')) {
      mkdirSync(path.dirname(path.join(host, l.source)), { recursive: true })
      cpSync(l.source, path.join(host, l.source))
    }
    const error = await publish(w.ctx, [], { hostRoot: host }).catch((e) => e)
    expect(error).toBeInstanceOf(MissingPackageError)
    expect(error.message).toContain('shim-signed not installed')
    expect(error.suggestion).toBe('apt-get install shim-signed')
    expect(error.exitCode).toBe(69)
    expect(snapshot(w.tftp)).toEqual({})
  })

  it('refuses an unknown instance and a command line too long for the loaders, writing nothing', async () => {
    const w = world(`instances:\n  big:\n    extra_args: ${'a=b '.repeat(500)}\n`)
    fakeInstance(w.roots, 'big', [NEW])
    await expect(publish(w.ctx, ['nope'])).rejects.toBeInstanceOf(NotFoundError)
    const error = await publish(w.ctx, []).catch((e) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toMatch(/kernel command line of big is \d+ bytes/)
    expect(snapshot(w.tftp)).toEqual({})
  })

  it('keeps a long command line (1.6 kB) whole on the APPEND line', async () => {
    const args = Array.from({ length: 125 }, (_, i) => `sidus.t${String(i).padStart(3, '0')}=x`).join(' ')
    const w = world(`instances:\n  big:\n    extra_args: ${args}\n`)
    fakeInstance(w.roots, 'big', [NEW])
    await publish(w.ctx, [])
    const entries = parsePxelinux(readFileSync(path.join(w.tftp, 'pxelinux.cfg/default'), 'utf8')).entries
    const append = entries.find((e) => e.label === 'big-overlay')!.append
    expect(append.length).toBeGreaterThan(1600)
    expect(append.endsWith(args)).toBe(true)
  })

  it('one writer at a time: a live holder of the tree lock (a kernel flock) makes publish fail fast; the kernel frees it when the holder dies', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [NEW])
    const lock = treeLockFile(w.ctx.config)
    mkdirSync(path.dirname(lock), { recursive: true })
    // a lock file that says a live pid means nothing by itself: only the flock counts
    writeFileSync(lock, `${process.pid}\n`)
    // -o: the lock stays with flock itself (sleep does not inherit it), so killing flock frees it
    const holder = spawn('flock', ['-o', lock, 'sleep', '60'])
    try {
      await waitForLock(lock)
      const error = await publish(w.ctx, []).catch((e) => e)
      expect(error).toBeInstanceOf(BusyError)
      expect(error.message).toContain('another sidus')
      expect(snapshot(w.tftp)).toEqual({})
    } finally { holder.kill('SIGKILL') }
    await new Promise((r) => holder.once('exit', r))
    expect((await publish(w.ctx, [])).changed).toBe(true)
    // the file stays (it is only where the lock lives): 0600, our pid while held, no command line
    expect(statSync(lock).mode & 0o777).toBe(0o600)
    expect(readFileSync(lock, 'utf8')).toMatch(/^sidus pid \d+\n$/)
  })

  it('unpublishInstance removes one instance\'s files and menu entries only', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [NEW])
    fakeInstance(w.roots, 'trixie64', [NEW])
    await publish(w.ctx, [])
    // sidus delete moves the root aside first
    rmSync(path.join(w.roots, 'trixie64'), { recursive: true })
    // and it does not need the loader packages (an empty host root has none)
    const removed = await unpublishInstance(w.ctx, 'trixie64', { hostRoot: path.join(w.dir, 'no-packages') })
    expect(removed.sort()).toEqual([`efi32/initrd.img-${NEW}@trixie64`, `efi32/vmlinuz-${NEW}@trixie64`, `efi64/initrd.img-${NEW}@trixie64`,
      `efi64/vmlinuz-${NEW}@trixie64`, `initrd.img-${NEW}@trixie64`, `vmlinuz-${NEW}@trixie64`])
    const menu = readFileSync(path.join(w.tftp, 'pxelinux.cfg/default'), 'utf8')
    expect(menu).not.toContain('trixie64')
    expect(menu).toContain(`vmlinuz-${NEW}@bookworm64`)
    // on a server that never published, there is nothing to remove and nothing is created
    const empty = world()
    fakeInstance(empty.roots, 'x64', [NEW])
    expect(await unpublishInstance(empty.ctx, 'x64')).toEqual([])
    expect(snapshot(empty.tftp)).toEqual({})
  })

  it('a reader re-reading every published file while publishes replace them never sees a partial file', async () => {
    const w = world()
    const boot = path.join(w.roots, 'bookworm64/boot')
    // two generations of the root's boot files, big enough that a copy takes a while
    fakeInstance(w.roots, 'bookworm64', [NEW], { kernelBytes: 8 << 20, initrdBytes: 32 << 20 })
    const genA = { k: readFileSync(path.join(boot, `vmlinuz-${NEW}`)), i: readFileSync(path.join(boot, `initrd.img-${NEW}`)) }
    fakeInstance(w.roots, 'bookworm64', [NEW], { kernelBytes: 8 << 20, initrdBytes: 32 << 20 })
    const genB = { k: readFileSync(path.join(boot, `vmlinuz-${NEW}`)), i: readFileSync(path.join(boot, `initrd.img-${NEW}`)) }
    const hash = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')
    const menus: string[] = []
    const setGeneration = async (g: typeof genA, extra: string) => {
      writeFileSync(path.join(boot, `vmlinuz-${NEW}`), g.k)
      writeFileSync(path.join(boot, `initrd.img-${NEW}`), g.i)
      w.ctx.config.boot.extra_args = extra
      await publish(w.ctx, [])
      menus.push(readFileSync(path.join(w.tftp, 'pxelinux.cfg/default'), 'utf8'))
    }
    await setGeneration(genA, 'gen=a')
    await setGeneration(genB, 'gen=b') // both menu versions known up front
    const allowed: Record<string, string[]> = {
      [`vmlinuz-${NEW}@bookworm64`]: [hash(genA.k), hash(genB.k)],
      [`efi64/vmlinuz-${NEW}@bookworm64`]: [hash(genA.k), hash(genB.k)],
      [`initrd.img-${NEW}@bookworm64`]: [hash(genA.i), hash(genB.i)],
      [`efi64/initrd.img-${NEW}@bookworm64`]: [hash(genA.i), hash(genB.i)],
      'pxelinux.cfg/default': menus.map(hash),
      'efi64/pxelinux.cfg/default': menus.map(hash),
    }
    const readerScript = `
      const { readFileSync } = require('node:fs'); const { createHash } = require('node:crypto'); const path = require('node:path')
      const [root, allowedJson] = process.argv.slice(1); const allowed = JSON.parse(allowedJson)
      let reads = 0; const bad = []; let stop = false
      process.on('message', () => { stop = true })
      const loop = () => {
        for (const [file, hashes] of Object.entries(allowed)) {
          try {
            const h = createHash('sha256').update(readFileSync(path.join(root, file))).digest('hex')
            if (!hashes.includes(h)) bad.push(file + ': unknown content')
          } catch (e) { bad.push(file + ': ' + e.code) }
          reads++
          if (reads % 12 === 0) process.send({ progress: reads })
        }
        if (stop) { process.send({ reads, bad: bad.slice(0, 10), badCount: bad.length }); process.exit(0) }
        setImmediate(loop)
      }
      loop()`
    const reader = spawn(process.execPath, ['-e', readerScript, w.tftp, JSON.stringify(allowed)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let progress = 0
    const result = new Promise<{ reads: number; bad: string[]; badCount: number }>((resolve) => reader.on('message', (m: { progress?: number; reads?: number }) => {
      if (m.progress !== undefined) progress = m.progress
      else resolve(m as never)
    }))
    // at least 6 publishes, and more until the reader has overlapped them enough (a fast disk publishes quickly)
    for (let round = 0; round < 6 || (progress < 120 && round < 60); round++) {
      await setGeneration(round % 2 ? genB : genA, round % 2 ? 'gen=b' : 'gen=a')
      expect(hash(readFileSync(path.join(w.tftp, `initrd.img-${NEW}@bookworm64`)))).toBe(hash(round % 2 ? genB.i : genA.i))
    }
    reader.send('stop')
    const r = await result
    expect(r.bad).toEqual([])
    console.log(`reader: ${r.reads} whole-file reads during the publishes, ${r.badCount} partial or missing`)
    expect(r.reads).toBeGreaterThanOrEqual(120)
  }, 300_000)
})

describe('publish: the split initrd (initrd.split_nics) for iPXE clients', () => {
  /** what `sidus initrd build` leaves beside a kernel: pieces of random bytes and the initrd's sha256 */
  function fakeSplit(roots: string, name: string, kver: string, pieces = ['base.img', 'all.img', 'pci-8086.img', 'pci-1af4.img']): string {
    const dir = path.join(roots, name, 'boot', `sidus-nics-${kver}`)
    mkdirSync(dir, { recursive: true })
    for (const p of pieces) writeFileSync(path.join(dir, p), `${p} of ${kver}\n`)
    writeFileSync(path.join(dir, 'source.sha256'), `${sha(path.join(roots, name, 'boot', `initrd.img-${kver}`))}\n`)
    return dir
  }

  it('copies the pieces to nics/<kver>@<name>/ and the iPXE menu loads base + the NIC vendor piece; the whole initrd stays for pxelinux and GRUB', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [NEW])
    const dir = fakeSplit(w.roots, 'bookworm64', NEW)
    // not a piece: never copied
    writeFileSync(path.join(dir, 'notes.txt'), 'x')
    const s = await publish(w.ctx, [])
    const pieces = ['all.img', 'base.img', 'pci-1af4.img', 'pci-8086.img'].map((p) => `nics/${NEW}@bookworm64/${p}`)
    expect(s.added).toEqual(expect.arrayContaining(pieces))
    expect(s.added.filter((a) => a.startsWith('nics/'))).toEqual(pieces)
    for (const p of pieces) {
      expect(readFileSync(path.join(w.tftp, p), 'utf8')).toBe(`${path.basename(p)} of ${NEW}\n`)
      expect(statSync(path.join(w.tftp, p)).mode & 0o777).toBe(0o644)
    }
    const ipxe = readFileSync(path.join(w.tftp, 'sidus.ipxe'), 'utf8')
    expect(ipxe).toContain(`initrd --name base.img /nics/${NEW}@bookworm64/base.img\n`)
    expect(ipxe).toContain(`initrd=base.img initrd=nics.img ${IPXE_FIRMWARE_LEASE} root=`)
    expect(parsePxelinux(readFileSync(path.join(w.tftp, 'pxelinux.cfg/default'), 'utf8')).entries[0].initrd).toBe(`initrd.img-${NEW}@bookworm64`)
    expect(existsSync(path.join(w.tftp, `initrd.img-${NEW}@bookworm64`))).toBe(true)
    // nothing changed: nothing rewritten
    expect((await publish(w.ctx, [])).changed).toBe(false)
    // sidus delete's unpublish takes the pieces (and their directory) with the rest
    const removed = await unpublishInstance(w.ctx, 'bookworm64')
    expect(removed).toEqual(expect.arrayContaining(pieces))
    expect(existsSync(path.join(w.tftp, `nics/${NEW}@bookworm64`))).toBe(false)
  })

  it('a split of another initrd (source.sha256 differs) is not published: iPXE gets the whole initrd, with a warning naming the fix', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [NEW])
    const dir = fakeSplit(w.roots, 'bookworm64', NEW)
    writeFileSync(path.join(dir, 'source.sha256'), `${'0'.repeat(64)}\n`)
    const s = await publish(w.ctx, [])
    expect(s.added.filter((a) => a.startsWith('nics/'))).toEqual([])
    expect(s.warnings.join('\n')).toMatch(/split from another initrd than \/boot\/initrd\.img-6\.1\.0-50-amd64: .*sidus initrd build/)
    expect(parseIpxe(readFileSync(path.join(w.tftp, 'sidus.ipxe'), 'utf8'))[0].initrd).toBe(`/initrd.img-${NEW}@bookworm64`)
  })

  it('initrd.split_nics: false, or the split gone from the root: the pieces leave the tree (their directory too) and iPXE loads the whole initrd', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [NEW])
    const dir = fakeSplit(w.roots, 'bookworm64', NEW)
    await publish(w.ctx, [])
    expect(existsSync(path.join(w.tftp, `nics/${NEW}@bookworm64/base.img`))).toBe(true)
    const off = world('initrd:\n  split_nics: false\n')
    off.ctx.config.paths = w.ctx.config.paths
    const s = await publish(off.ctx, [])
    expect(s.removed.filter((r) => r.startsWith('nics/')).length).toBe(4)
    expect(existsSync(path.join(w.tftp, `nics/${NEW}@bookworm64`))).toBe(false)
    expect(readFileSync(path.join(w.tftp, 'sidus.ipxe'), 'utf8')).toContain(`initrd /initrd.img-${NEW}@bookworm64\n`)
    // on again, then the root loses its split (an admin removed it)
    await publish(w.ctx, [])
    rmSync(dir, { recursive: true })
    const again = await publish(w.ctx, [])
    expect(again.removed.filter((r) => r.startsWith('nics/')).length).toBe(4)
    expect(parseIpxe(readFileSync(path.join(w.tftp, 'sidus.ipxe'), 'utf8'))[0].initrd).toBe(`/initrd.img-${NEW}@bookworm64`)
  })

  it('a split without base.img is not published; a piece that is a symlink out of the root is refused, never read', async () => {
    const w = world()
    fakeInstance(w.roots, 'bookworm64', [NEW])
    const dir = fakeSplit(w.roots, 'bookworm64', NEW, ['all.img', 'pci-8086.img'])
    const s = await publish(w.ctx, [])
    expect(s.warnings.join('\n')).toMatch(/lacks base\.img or all\.img/)
    expect(s.added.filter((a) => a.startsWith('nics/'))).toEqual([])
    // base.img planted as a link to a server file outside the root
    const secret = path.join(w.dir, 'server-secret')
    writeFileSync(secret, 'not for clients\n')
    symlinkSync(secret, path.join(dir, 'base.img'))
    const s2 = await publish(w.ctx, [])
    expect(s2.warnings.join('\n')).toMatch(/base\.img is a symlink to .*server-secret, outside the root: refused/)
    expect(s2.added.filter((a) => a.startsWith('nics/'))).toEqual([])
    expect(existsSync(path.join(w.tftp, 'nics'))).toBe(false)
  })
})
