import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs'
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

  it('keeps no module from the client: each masked modprobe@ instance names a module that loads on the first open of its device node', async (ctx) => {
    const modules = (await readDisklessMasks()).map((m) => /^modprobe@(.+)\.service$/.exec(m.unit)?.[1]).filter((m): m is string => m !== undefined)
    expect(modules.length).toBeGreaterThan(0)
    const kernels = existsSync(`${REF_ROOT}/usr/lib/modules`) ? readdirSync(`${REF_ROOT}/usr/lib/modules`) : []
    if (kernels.length === 0) ctx.skip()
    // modules.devname: the static nodes kmod-static-nodes creates, whose first open loads the module
    const devname = readFileSync(`${REF_ROOT}/usr/lib/modules/${kernels[0]}/modules.devname`, 'utf8')
    const onDemand = new Set(devname.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/)[0]))
    expect(modules.filter((m) => !onDemand.has(m))).toEqual([])
  })

  it('leaves alone what a diskless client must keep: no target, nothing the NFS root or the console needs', async () => {
    const units = (await readDisklessMasks()).map((m) => m.unit)
    for (const keep of ['rpcbind.service', 'rpcbind.socket', 'networking.service', 'systemd-journald.service', 'serial-getty@.service', 'getty@.service', 'logrotate.timer', 'systemd-udev-trigger.service', 'systemd-udevd.service']) {
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
