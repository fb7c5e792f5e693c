/**
 * The sidus-diskless generator as create installs it, run for real (busybox sh in a chroot of a
 * small root) the way systemd runs it at boot: masks in its early directory on a client,
 * none on the master or on a boot that is not a sidus one.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GENERATOR_IN_ROOT, installDisklessMasks, MASKS_IN_ROOT, readDisklessMasks } from '../../src/bootstrap/diskless-masks.js'
import { GENERATORS_DIR_IN_ROOT, installDisklessGenerators, readDisklessGenerators } from '../../src/bootstrap/diskless-generators.js'
import { addHostDash, makeBusyboxRoot } from '../helpers/busybox-root.js'

let dir: string
let root: string
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-masks-'))
  root = makeBusyboxRoot(path.join(dir, 'root'))
  await installDisklessMasks(root)
  await installDisklessGenerators(root)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** run the generator in the root as systemd would (normal, early, late dirs), with this /run/sidus/state */
function generate(state: string | undefined): string {
  rmSync(path.join(root, 'run'), { recursive: true, force: true })
  mkdirSync(path.join(root, 'run/sidus'), { recursive: true })
  if (state !== undefined) writeFileSync(path.join(root, 'run/sidus/state'), state)
  execFileSync('chroot', [root, '/bin/sh', `/${GENERATOR_IN_ROOT}`, '/run/gen', '/run/gen.early', '/run/gen.late'])
  return path.join(root, 'run/gen.early')
}

/** a mask as the generator writes it: an empty regular file (systemd loads a unit file of size 0 as masked) */
const isMask = (p: string) => { const st = lstatSync(p); return st.isFile() && st.size === 0 }

describe('the sidus-diskless generator', () => {
  it('is installed with the dracut module (create, initrd build): the list as in the asset, the generator executable', async () => {
    expect(statSync(path.join(root, GENERATOR_IN_ROOT)).mode & 0o777).toBe(0o755)
    expect(existsSync(path.join(root, MASKS_IN_ROOT))).toBe(true)
  })

  it('masks every listed unit on an overlay client, in the early directory (above /etc): an empty file each, made by the shell alone (no ln)', async () => {
    const early = generate('requested=overlay\nmode=overlay\nsize=50%\n')
    const units = (await readDisklessMasks()).map((m) => m.unit)
    expect(readdirSync(early).sort()).toEqual([...units].sort())
    for (const u of units) expect(isMask(path.join(early, u)), u).toBe(true)
  })

  it('needs no program to do it once systemd made its directories (each ln it ran was a fork and an exec at boot)', async () => {
    rmSync(path.join(root, 'run'), { recursive: true, force: true })
    mkdirSync(path.join(root, 'run/sidus'), { recursive: true })
    for (const d of ['run/gen', 'run/gen.early', 'run/gen.late']) mkdirSync(path.join(root, d))
    writeFileSync(path.join(root, 'run/sidus/state'), 'mode=overlay\n')
    // dash, Debian's /bin/sh, which systemd runs it with (busybox's sh runs its own applets without PATH)
    addHostDash(root)
    execFileSync('/usr/sbin/chroot', [root, '/bin/dash', `/${GENERATOR_IN_ROOT}`, '/run/gen', '/run/gen.early', '/run/gen.late'], { env: { PATH: '/nonexistent' } })
    const units = (await readDisklessMasks()).map((m) => m.unit)
    expect(readdirSync(path.join(root, 'run/gen.early')).sort()).toEqual([...units].sort())
  })

  it('masks a template\'s instance by its own name, never the template (modprobe@dm_mod.service, not modprobe@.service)', async () => {
    const early = generate('requested=overlay\nmode=overlay\nsize=50%\n')
    const instances = (await readDisklessMasks()).map((m) => m.unit).filter((u) => /@[^.]+\./.test(u))
    expect(instances.length).toBeGreaterThan(0)
    for (const u of instances) expect(isMask(path.join(early, u)), u).toBe(true)
    expect(readdirSync(early).filter((u) => /@\./.test(u))).toEqual([])
  })

  it('masks them where the layers failed too (mode none or ro: still a diskless client)', () => {
    expect(readdirSync(generate('requested=aufs\nmode=ro\nsize=\n')).length).toBeGreaterThan(0)
  })

  it('masks nothing on the master (rw) nor on a boot without sidus (no state, no sidus= on the command line)', () => {
    expect(existsSync(generate('requested=rw\nmode=rw\nsize=\n'))).toBe(false)
    expect(existsSync(generate(undefined))).toBe(false)
  })

  it('masks networking.service only while /etc/network/interfaces brings up nothing but lo', () => {
    const interfaces = path.join(root, 'etc/network/interfaces')
    mkdirSync(path.dirname(interfaces), { recursive: true })
    const masked = (text: string | undefined) => {
      if (text === undefined) rmSync(interfaces, { force: true })
      else writeFileSync(interfaces, text)
      return existsSync(path.join(generate('mode=overlay\n'), 'networking.service'))
    }
    // sidus create's own file, the same without its last newline, with inet6, and no file at all: ifup -a has nothing to do
    expect(masked('# sidus: loopback only\nauto lo\niface lo inet loopback\n')).toBe(true)
    expect(masked('auto lo\n\n  iface lo inet loopback')).toBe(true)
    expect(masked('auto lo\niface lo inet loopback\niface lo inet6 loopback\n')).toBe(true)
    expect(masked(undefined)).toBe(true)
    // an interface of the admin's, an option of lo's, a sourced directory, the last line without a newline: kept
    expect(masked('auto lo\niface lo inet loopback\nauto ib0\niface ib0 inet static\n  address 10.1.0.7/16\n')).toBe(false)
    expect(masked('auto lo\niface lo inet loopback\n  up ip addr add 10.9.9.9/32 dev lo\n')).toBe(false)
    expect(masked('source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n')).toBe(false)
    expect(masked('auto lo\niface lo inet loopback\nallow-hotplug eth1')).toBe(false)
    expect(masked('auto lo eth1\niface lo inet loopback\n')).toBe(false)
    // the other units of the list stay masked either way
    expect(existsSync(path.join(root, 'run/gen.early/fstrim.timer'))).toBe(true)
  })

  it("lays ifupdown's udev rule over without ifupdown-hotplug where networking.service goes, keeping its other rules; nowhere else", () => {
    const rules = path.join(root, 'usr/lib/udev/rules.d')
    mkdirSync(rules, { recursive: true })
    // ifupdown's own file, as bookworm ships it
    const ifupdown = '# Allow rfkill for users in the netdev group\nKERNEL=="rfkill", MODE="0664", GROUP="netdev"\n\n# Handle allow-hotplug interfaces\nSUBSYSTEM=="net", ACTION=="add|remove", RUN+="ifupdown-hotplug"\n'
    writeFileSync(path.join(rules, '80-ifupdown.rules'), ifupdown)
    const interfaces = path.join(root, 'etc/network/interfaces')
    mkdirSync(path.dirname(interfaces), { recursive: true })
    writeFileSync(interfaces, 'auto lo\niface lo inet loopback\n')
    const laid = path.join(root, 'run/udev/rules.d/80-ifupdown.rules')
    generate('mode=overlay\n')
    const text = readFileSync(laid, 'utf8')
    expect(text).not.toContain('ifupdown-hotplug"')
    expect(text).toContain('KERNEL=="rfkill", MODE="0664", GROUP="netdev"')
    expect(readdirSync(path.dirname(laid))).toEqual(['80-ifupdown.rules'])
    // the root's own file untouched
    expect(readFileSync(path.join(rules, '80-ifupdown.rules'), 'utf8')).toBe(ifupdown)
    // an interface of the admin's (allow-hotplug ones need the rule), the master, a boot without sidus: not laid over
    writeFileSync(interfaces, 'auto lo\niface lo inet loopback\nallow-hotplug eth1\niface eth1 inet dhcp\n')
    generate('mode=overlay\n')
    expect(existsSync(laid)).toBe(false)
    writeFileSync(interfaces, 'auto lo\niface lo inet loopback\n')
    generate('mode=rw\n')
    expect(existsSync(laid)).toBe(false)
    generate(undefined)
    expect(existsSync(laid)).toBe(false)
  })

  it("never replaces a rule file already in /run/udev/rules.d (a daemon-reload's second run, someone else's), and sweeps a half-written copy a killed run left", () => {
    const rules = path.join(root, 'usr/lib/udev/rules.d')
    mkdirSync(rules, { recursive: true })
    writeFileSync(path.join(rules, '80-ifupdown.rules'), 'SUBSYSTEM=="net", ACTION=="add|remove", RUN+="ifupdown-hotplug"\n')
    rmSync(path.join(root, 'run'), { recursive: true, force: true })
    mkdirSync(path.join(root, 'run/udev/rules.d'), { recursive: true })
    writeFileSync(path.join(root, 'run/udev/rules.d/80-ifupdown.rules'), '# mine\n')
    writeFileSync(path.join(root, 'run/udev/rules.d/80-ifupdown.rules.tmp'), 'half')
    mkdirSync(path.join(root, 'run/sidus'), { recursive: true })
    writeFileSync(path.join(root, 'run/sidus/state'), 'mode=overlay\n')
    execFileSync('chroot', [root, '/bin/sh', `/${GENERATOR_IN_ROOT}`, '/run/gen', '/run/gen.early', '/run/gen.late'])
    expect(readFileSync(path.join(root, 'run/udev/rules.d/80-ifupdown.rules'), 'utf8')).toBe('# mine\n')
    expect(readdirSync(path.join(root, 'run/udev/rules.d'))).toEqual(['80-ifupdown.rules'])
    expect(existsSync(path.join(root, 'run/gen.early/networking.service'))).toBe(true)
  })

  it("masks systemd-binfmt.service only while binfmt.d registers nothing but Python's .pyc runner", () => {
    const masked = (files: Record<string, string>) => {
      for (const d of ['usr/lib/binfmt.d', 'etc/binfmt.d']) rmSync(path.join(root, d), { recursive: true, force: true })
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(root, f)), { recursive: true })
        writeFileSync(path.join(root, f), text)
      }
      return existsSync(path.join(generate('mode=overlay\n'), 'systemd-binfmt.service'))
    }
    // python3.11-minimal's file (bookworm), none at all, a comment and an emptied one (an admin's mask)
    const python = ':python3.11:M::\\xa7\\x0d\\x0d\\x0a::/usr/bin/python3.11:\n'
    expect(masked({ 'usr/lib/binfmt.d/python3.11.conf': python })).toBe(true)
    expect(masked({})).toBe(true)
    expect(masked({ 'usr/lib/binfmt.d/python3.11.conf': python, 'etc/binfmt.d/python3.11.conf': '# off\n' })).toBe(true)
    // qemu-user's, wine's, an admin's: kept
    expect(masked({ 'usr/lib/binfmt.d/python3.11.conf': python, 'usr/lib/binfmt.d/qemu-aarch64.conf': ':qemu-aarch64:M::\\x7fELF\\x02\\x01\\x01::/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OCPF\n' })).toBe(false)
    expect(masked({ 'etc/binfmt.d/wine.conf': ':DOSWin:M::MZ::/usr/bin/wine:\n' })).toBe(false)
    expect(masked({ 'usr/lib/binfmt.d/python3.11.conf': ':python3.11:M::\\xa7\\x0d\\x0d\\x0a::/opt/py/bin/python3.11:\n' })).toBe(false)
    // the other units of the list stay masked either way
    expect(existsSync(path.join(root, 'run/gen.early/fstrim.timer'))).toBe(true)
  })

  it('masks nothing when the root has no list (an admin removed it)', () => {
    rmSync(path.join(root, MASKS_IN_ROOT))
    expect(existsSync(generate('mode=overlay\n'))).toBe(false)
  })
})

describe('the generators a diskless root goes without (installed with the masks)', () => {
  const gens = () => path.join(root, GENERATORS_DIR_IN_ROOT)
  const maskOf = (name: string) => { try { return readlinkSync(path.join(gens(), name)) } catch { return undefined } }

  it('masks each listed generator in the root: a link to /dev/null in /etc/systemd/system-generators, no temp file left', async () => {
    const r = await installDisklessGenerators(root)
    const list = await readDisklessGenerators()
    for (const g of list) expect(maskOf(g.name), g.name).toBe('/dev/null')
    expect(r.changed).toEqual([])
    expect(readdirSync(gens()).filter((f) => f.endsWith('.tmp'))).toEqual([])
    // beside them, the generator that masks units stays a file
    expect(lstatSync(path.join(root, GENERATOR_IN_ROOT)).isFile()).toBe(true)
  })

  it('takes its mask away once /etc/crypttab lists a volume, and puts it back once it lists none', async () => {
    writeFileSync(path.join(root, 'etc/crypttab'), '# <target name> <source device> <key file> <options>\n')
    expect((await installDisklessGenerators(root)).removed).toEqual([])
    writeFileSync(path.join(root, 'etc/crypttab'), 'scratch UUID=0b5c3e2e none luks\n')
    expect((await installDisklessGenerators(root)).removed).toEqual(['/etc/systemd/system-generators/systemd-cryptsetup-generator'])
    expect(maskOf('systemd-cryptsetup-generator')).toBeUndefined()
    expect(maskOf('systemd-gpt-auto-generator')).toBe('/dev/null')
    rmSync(path.join(root, 'etc/crypttab'))
    expect((await installDisklessGenerators(root)).changed).toEqual(['/etc/systemd/system-generators/systemd-cryptsetup-generator'])
  })

  it('leaves an admin\'s own file of that name alone (and says so)', async () => {
    const own = path.join(gens(), 'systemd-gpt-auto-generator')
    rmSync(own)
    writeFileSync(own, '#!/bin/sh\n# the admin\'s\n', { mode: 0o755 })
    const r = await installDisklessGenerators(root)
    expect(r.kept).toEqual(['/etc/systemd/system-generators/systemd-gpt-auto-generator'])
    expect(readFileSync(own, 'utf8')).toContain('the admin')
  })

  it('writes inside the root when /etc/systemd/system-generators is a symlink out of it (resolved as in a chroot)', async () => {
    const outside = path.join(dir, 'outside')
    mkdirSync(outside)
    rmSync(gens(), { recursive: true })
    symlinkSync(outside, gens())
    await installDisklessGenerators(root)
    expect(readdirSync(outside)).toEqual([])
    expect(readlinkSync(path.join(root, outside, 'systemd-gpt-auto-generator'))).toBe('/dev/null')
  })
})
