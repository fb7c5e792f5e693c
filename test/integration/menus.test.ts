import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultConfig, type SidusConfig } from '../../src/config/schema.js'
import { IPXE_FIRMWARE_LEASE } from '../../src/publish/cmdline.js'
import { defaultLabel, renderGrubConfig, renderIpxeScript, renderMasterFiles, renderNodeFiles, renderPxelinuxDefault, type MenuModel } from '../../src/publish/menus.js'
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

  it("iPXE's entries, the master's and a node's script hand the initrd iPXE's own lease; pxelinux and GRUB ask dhcp; an admin's ${ is still refused", async () => {
    const t = await loadMenuTemplates()
    const m = model()
    const kernelLines = (text: string) => text.split('\n').filter((l) => l.startsWith('kernel '))
    const menu = kernelLines(renderIpxeScript(m, t))
    expect(menu.length).toBeGreaterThan(0)
    for (const line of menu) expect(line).toContain(` ${IPXE_FIRMWARE_LEASE} root=`)
    const master = renderMasterFiles(m.config, { instance: 'bookworm64', mac: '08:00:aa:bb:cc:dd', since: 'x' }, m.instances[0].kernels[0], t)
    const node = renderNodeFiles(m.config, { name: 'n1', mac: '08:00:aa:bb:cc:01', instance: 'bookworm64', mode: 'aufs' }, m.instances[0].kernels[0], t)
    for (const text of [master.ipxe, node.ipxe]) expect(kernelLines(text)).toEqual([expect.stringContaining(` ${IPXE_FIRMWARE_LEASE} root=`)])
    for (const text of [renderPxelinuxDefault(m, t), renderGrubConfig(m, t), master.pxelinux, master.grub, node.pxelinux, node.grub]) {
      expect(text).toContain(' ip=dhcp ')
      expect(text).not.toContain('sidus.lease')
    }
    // boot.firmware_lease: false: iPXE's lines ask dhcp too
    for (const line of kernelLines(renderIpxeScript(model((c) => { c.boot.firmware_lease = false }), t))) expect(line).toContain(' ip=dhcp root=')
    // the config check refuses ${ in the admin's arguments first; the menus refuse it all the same
    expect(() => renderIpxeScript(model((c) => { c.boot.extra_args = 'x=${net0/ip}' }), t)).toThrow(/"\$\{" \(iPXE expands it as a setting\)/)
    expect(() => renderNodeFiles(m.config, { name: 'n1', mac: '08:00:aa:bb:cc:01', instance: 'bookworm64', mode: 'aufs', extra_args: 'x=${net0/ip}' }, m.instances[0].kernels[0], t)).toThrow(/iPXE expands/)
  })
})

describe('a split initrd in the menus (initrd.split_nics)', () => {
  const split = (kver: string, name: string) => ({ ...k(kver, name), pieces: `nics/${kver}@${name}` })
  const splitModel = (): MenuModel => ({ config: defaultConfig(), instances: [{ name: 'bookworm64', kernels: [split('6.1.0-50-amd64', 'bookworm64')] }] })

  it("iPXE loads base.img, then the piece of its NIC's PCI vendor (all.img when the NIC is not on PCI or the vendor has none); the kernel line names both for EFI stubs", async () => {
    const t = await loadMenuTemplates()
    const text = renderIpxeScript(splitModel(), t)
    const entry = text.slice(text.indexOf(':bookworm64-overlay'), text.indexOf(':bookworm64-aufs'))
    expect(entry.split('\n')).toEqual([
      ':bookworm64-overlay',
      expect.stringMatching(/^kernel \/vmlinuz-6\.1\.0-50-amd64@bookworm64 initrd=base\.img initrd=nics\.img BOOTIF=01-\$\{netX\/mac:hexhyp\} ip=\$\{netX\/ip\}::/),
      'initrd --name base.img /nics/6.1.0-50-amd64@bookworm64/base.img',
      'iseq ${netX/bustype} PCI && initrd --name nics.img /nics/6.1.0-50-amd64@bookworm64/pci-${pci/${netX/busloc}.0.2}.img || initrd --name nics.img /nics/6.1.0-50-amd64@bookworm64/all.img',
      'boot || goto menu',
      '',
      '',
    ])
    // the whole initrd is not named there at all
    expect(text).not.toContain('initrd.img-')
  })

  it('pxelinux and GRUB cannot tell the NIC: they keep the whole initrd', async () => {
    const t = await loadMenuTemplates()
    const m = splitModel()
    expect(parsePxelinux(renderPxelinuxDefault(m, t)).entries[0].initrd).toBe('initrd.img-6.1.0-50-amd64@bookworm64')
    expect(parseGrub(renderGrubConfig(m, t))[0]).toMatchObject({ initrd: '/initrd.img-6.1.0-50-amd64@bookworm64' })
    expect(parseGrub(renderGrubConfig(m, t))[0].append).not.toContain('base.img')
  })

  it("a master's and a node's own iPXE files load the split too, their pxelinux and GRUB files the whole initrd", async () => {
    const t = await loadMenuTemplates()
    const m = splitModel()
    const master = renderMasterFiles(m.config, { instance: 'bookworm64', mac: '08:00:aa:bb:cc:dd', since: 'x' }, m.instances[0].kernels[0], t)
    expect(master.ipxe).toMatch(/^kernel \S+ initrd=base\.img initrd=nics\.img .*sidus=rw/m)
    expect(master.ipxe).toContain('initrd --name base.img /nics/6.1.0-50-amd64@bookworm64/base.img\n')
    expect(master.pxelinux).toContain('initrd=initrd.img-6.1.0-50-amd64@bookworm64 ')
    const node = renderNodeFiles(m.config, { name: 'n1', mac: '08:00:aa:bb:cc:01', instance: 'bookworm64', mode: 'aufs' }, m.instances[0].kernels[0], t)
    expect(node.ipxe).toMatch(/^kernel \S+ initrd=base\.img initrd=nics\.img .*sidus=aufs/m)
    expect(node.ipxe).toContain('/pci-${pci/${netX/busloc}.0.2}.img || initrd --name nics.img /nics/6.1.0-50-amd64@bookworm64/all.img\n')
    expect(node.grub).toContain('initrd /initrd.img-6.1.0-50-amd64@bookworm64')
  })
})
