import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultConfig, type SidusConfig } from '../../src/config/schema.js'
import { defaultLabel, renderGrubConfig, renderIpxeScript, renderMasterFiles, renderPxelinuxDefault, type MenuModel } from '../../src/publish/menus.js'
import { loadMenuTemplates } from '../../src/publish/templates.js'
import { LocalRunner } from '../../src/run/local.js'
import { parseGrub, parsePxelinux } from '../helpers/boot-tree.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-menus-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const k = (kver: string, name: string) => ({ kver, kernel: `vmlinuz-${kver}@${name}`, initrd: `initrd.img-${kver}@${name}` })
function model(over: (c: SidusConfig) => void = () => {}): MenuModel {
  const config = defaultConfig()
  over(config)
  return { config, instances: [{ name: 'bookworm64', kernels: [k('6.1.0-50-amd64', 'bookworm64'), k('6.1.0-9-amd64', 'bookworm64')] }, { name: 'empty', kernels: [] }] }
}
// arguments a lab or an admin may pass: quotes, blanks, $, ; and a single quote
const NASTY = `systemd.run="/bin/sh -c 'echo $HOME; exit 0'" rd.break=pre-pivot x=a;b`

/** GRUB's own parser on a config we render */
async function grubCheck(name: string, text: string) {
  const file = path.join(dir, name)
  writeFileSync(file, text)
  return new LocalRunner().run(['grub-script-check', file], { reject: false })
}

describe('menu templates (assets/menus) rendered and checked', () => {
  it('GRUB menu and master file pass grub-script-check, even with quotes, $ and ; in the extra arguments', async () => {
    const t = await loadMenuTemplates()
    const m = model((c) => { c.boot.extra_args = NASTY })
    const menu = renderGrubConfig(m, t)
    const menuCheck = await grubCheck('grub.cfg', menu)
    expect(menuCheck.exitCode, menuCheck.stderr + menuCheck.stdout).toBe(0)
    const master = renderMasterFiles(m.config, { instance: 'bookworm64', mac: '08:00:aa:bb:cc:dd', since: 'x' }, m.instances[0].kernels[0], t)
    const masterCheck = await grubCheck('grub.cfg-01-08-00-aa-bb-cc-dd', master.grub)
    expect(masterCheck.exitCode, masterCheck.stderr).toBe(0)
    // the argument GRUB hands the kernel keeps its blanks inside one quoted word
    expect(parseGrub(menu)[0].append).toContain(`'systemd.run=/bin/sh -c '\\''echo $HOME; exit 0'\\''' rd.break=pre-pivot 'x=a;b'`)
  })

  it('a broken GRUB config is caught by the same check (the check can fail)', async () => {
    expect((await grubCheck('bad.cfg', "menuentry 'x' {\n  linux /a 'b\n}\n")).exitCode).not.toBe(0)
  })

  it('pxelinux: TIMEOUT in tenths and never 0 (wait for ever); rw is never the menu default', async () => {
    const t = await loadMenuTemplates()
    const zero = parsePxelinux(renderPxelinuxDefault(model((c) => { c.boot.timeout = 0; c.boot.default_mode = 'rw'; c.boot.console = 'tty0' }), t))
    expect(zero.directives.TIMEOUT).toBe('1')
    expect(zero.directives.DEFAULT).toBe('bookworm64-overlay')
    expect(zero.entries.some((e) => e.append.includes('sidus=rw'))).toBe(false)
    // no SERIAL line when the console is not a serial port
    expect(zero.directives.SERIAL).toBeUndefined()
    const serial = parsePxelinux(renderPxelinuxDefault(model((c) => { c.boot.console = 'tty0 console=ttyS1,57600' }), t))
    expect(serial.directives.SERIAL).toBe('1 57600')
    // instances without kernels get no entry
    expect(zero.entries.map((e) => e.label)).toEqual(['bookworm64-overlay', 'bookworm64-aufs', 'bookworm64-6.1.0-9-amd64-overlay', 'local'])
  })

  it('iPXE: a script first chains the per-MAC master script, then the menu with its default and timeout in ms', async () => {
    const t = await loadMenuTemplates()
    const text = renderIpxeScript(model((c) => { c.boot.timeout = 7; c.boot.default_mode = 'aufs' }), t)
    expect(text.startsWith('#!ipxe\n')).toBe(true)
    expect(text).toContain('chain --autofree ipxe/01-${mac:hexhyp}.ipxe || goto menu')
    expect(text).toContain('choose --default bookworm64-aufs --timeout 7000 target')
    expect(defaultLabel({ ...model(), instances: [] })).toBe('local')
  })
})
