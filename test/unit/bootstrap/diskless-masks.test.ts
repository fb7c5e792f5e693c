import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { assetPath } from '../../../src/assets.js'
import { parseDisklessMasks, readDisklessMasks } from '../../../src/bootstrap/diskless-masks.js'
import { REF_ROOT } from '../../helpers/ref-root.js'

describe('the diskless-masks asset', () => {
  it('is one unit a line, each with a reason, no unit twice', async () => {
    const masks = await readDisklessMasks()
    expect(masks.length).toBeGreaterThan(5)
    for (const m of masks) {
      expect(m.unit, m.unit).toMatch(/^[A-Za-z0-9_@:.-]+\.(service|timer|socket|mount|automount|path)$/)
      expect(m.reason.length, m.unit).toBeGreaterThan(10)
    }
    expect(new Set(masks.map((m) => m.unit)).size).toBe(masks.length)
  })

  it('names units of a real bookworm root, unless marked optional', async (ctx) => {
    if (!existsSync(`${REF_ROOT}/usr/lib/systemd/system`)) ctx.skip()
    // a unit file may be a link that points inside the root (dracut-shutdown.service into dracut's module dir);
    // an instance (modprobe@dm_mod.service) is a unit of its template's file (modprobe@.service)
    const fileOf = (unit: string) => unit.replace(/@[^.]+\./, '@.')
    const inRoot = (unit: string) => { try { lstatSync(`${REF_ROOT}/usr/lib/systemd/system/${fileOf(unit)}`); return true } catch { return false } }
    const missing = (await readDisklessMasks()).filter((m) => !m.optional && !inRoot(m.unit))
    expect(missing).toEqual([])
  })

  it('keeps no module from the client: each masked modprobe@ instance names a module that still loads when used (first open of its device node, or as a dependency of the driver that needs it)', async (ctx) => {
    const modules = (await readDisklessMasks()).map((m) => /^modprobe@(.+)\.service$/.exec(m.unit)?.[1]).filter((m): m is string => m !== undefined)
    expect(modules.length).toBeGreaterThan(0)
    const kernels = existsSync(`${REF_ROOT}/usr/lib/modules`) ? readdirSync(`${REF_ROOT}/usr/lib/modules`) : []
    if (kernels.length === 0) ctx.skip()
    const dir = `${REF_ROOT}/usr/lib/modules/${kernels[0]}`
    // modules.devname: the static nodes kmod-static-nodes creates, whose first open loads the module
    const devname = readFileSync(`${dir}/modules.devname`, 'utf8')
    const onOpen = new Set(devname.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/)[0]))
    // modules.dep: "path/driver.ko: path/dep.ko …"; a module's name is its file's, with - and _ alike
    const name = (p: string) => path.basename(p).replace(/\.ko(\.[a-z]+)?$/, '').replace(/-/g, '_')
    const asDependency = new Set(readFileSync(`${dir}/modules.dep`, 'utf8').split('\n').flatMap((l) => l.split(':')[1]?.trim().split(/\s+/).filter(Boolean).map(name) ?? []))
    expect(modules.filter((m) => !onOpen.has(m) && !asDependency.has(m))).toEqual([])
    // dm_mod, loop and fuse by their nodes (/dev/mapper/control, /dev/loop-control, /dev/fuse)
    for (const m of modules.filter((m) => m !== 'drm')) expect(onOpen.has(m), m).toBe(true)
  })

  it('leaves alone what a diskless client must keep: no target, nothing the NFS root or the console needs', async () => {
    const units = (await readDisklessMasks()).map((m) => m.unit)
    for (const keep of ['rpcbind.service', 'rpcbind.socket', 'systemd-journald.service', 'serial-getty@.service', 'getty@.service', 'logrotate.timer', 'systemd-udev-trigger.service', 'systemd-udevd.service']) {
      expect(units).not.toContain(keep)
    }
    expect(units.filter((u) => u.endsWith('.target'))).toEqual([])
  })

  it('parses comments, blank lines and optional entries', () => {
    expect(parseDisklessMasks('# c\n\nfoo.timer   why not\nbar.service optional: not in minbase\n')).toEqual([
      { unit: 'foo.timer', reason: 'why not', optional: false },
      { unit: 'bar.service', reason: 'not in minbase', optional: true },
    ])
  })

  it('the generator is a POSIX sh script that reads the list create installs', () => {
    const text = readFileSync(assetPath('bootstrap/sidus-diskless-generator'), 'utf8')
    expect(text.startsWith('#!/bin/sh\n')).toBe(true)
    expect(text).toContain('list=/etc/sidus/diskless-masks')
  })
})
