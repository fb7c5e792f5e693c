import { describe, expect, it } from 'vitest'
import { defaultConfig, SIDUS_NFS_OPTIONS, type SidusConfig } from '../../src/config/schema.js'
import { ConfigError } from '../../src/errors.js'
import { checkCommandLineLength, IPXE_FIRMWARE_LEASE, kernelCommandLine, nfsMountOptions, PXELINUX_CMDLINE_MAX, splitKernelArgs } from '../../src/publish/cmdline.js'
import { unifiedDiff } from '../../src/ui/diff.js'
import { grubArgs } from '../../src/publish/menus.js'
import { compareVersions, parseBootFile } from '../../src/domain/kernel.js'
import { fill } from '../../src/publish/templates.js'

function config(over: (c: SidusConfig) => void = () => {}): SidusConfig {
  const c = defaultConfig()
  c.paths.roots = '/srv/nfsroot'
  c.server.address = '10.20.17.254'
  c.boot.console = 'ttyS0,115200'
  over(c)
  return c
}

describe('kernelCommandLine (the contract with the dracut module)', () => {
  it('builds the SIDUS line from config, in contract order', () => {
    expect(kernelCommandLine(config(), { instance: 'bookworm64', mode: 'overlay', initrd: 'initrd.img-6.1.0-50-amd64@bookworm64' })).toBe(
      `initrd=initrd.img-6.1.0-50-amd64@bookworm64 ip=dhcp root=nfs:10.20.17.254:/srv/nfsroot/bookworm64:${SIDUS_NFS_OPTIONS} sidus=overlay console=ttyS0,115200`,
    )
  })
  it('the master line differs only by sidus=rw and rw in the NFS options', () => {
    const c = config((x) => { x.boot.tmpfs_size = '50%'; x.boot.extra_args = 'quiet' })
    const ro = kernelCommandLine(c, { instance: 'a', mode: 'overlay' }).split(' ')
    const rw = kernelCommandLine(c, { instance: 'a', mode: 'rw' }).split(' ')
    const differ = ro.map((w, i) => [w, rw[i]]).filter(([a, b]) => a !== b)
    expect(differ).toEqual([
      [`root=nfs:10.20.17.254:/srv/nfsroot/a:${SIDUS_NFS_OPTIONS}`, `root=nfs:10.20.17.254:/srv/nfsroot/a:${SIDUS_NFS_OPTIONS},rw`],
      ['sidus=overlay', 'sidus=rw'],
    ])
  })
  it('adds sidus.size, extra args and per-instance args in that order', () => {
    const c = config((x) => {
      x.boot.tmpfs_size = '2G'
      x.boot.extra_args = 'net.ifnames=0'
      x.instances = { a: { extra_args: 'rd.shell systemd.run="/bin/echo hi there"' } }
    })
    const line = kernelCommandLine(c, { instance: 'a', mode: 'aufs' })
    expect(line).toMatch(/ sidus=aufs sidus\.size=2G console=ttyS0,115200 net\.ifnames=0 rd\.shell systemd\.run="\/bin\/echo hi there"$/)
    expect(kernelCommandLine(c, { instance: 'b', mode: 'aufs' })).not.toContain('rd.shell')
  })
  it('uses nfs4: when the options ask for NFSv4', () => {
    const c = config((x) => { x.nfs.options = 'vers=4.2,tcp,hard' })
    expect(kernelCommandLine(c, { instance: 'a', mode: 'overlay' })).toContain('root=nfs4:10.20.17.254:/srv/nfsroot/a:vers=4.2,tcp,hard ')
    expect(kernelCommandLine(config(), { instance: 'a', mode: 'overlay' })).toContain('root=nfs:')
  })
  it('never carries ro and rw together', () => {
    expect(nfsMountOptions('vers=3,ro,tcp', 'rw')).toBe('vers=3,tcp,rw')
    expect(nfsMountOptions('vers=3,rw,tcp', 'overlay')).toBe('vers=3,tcp')
  })
  it('omits console= when boot.console is empty', () => {
    expect(kernelCommandLine(config((x) => { x.boot.console = '' }), { instance: 'a', mode: 'overlay' })).not.toContain('console=')
  })
  it('refuses a line break in extra args (it would end the menu line)', () => {
    const c = config((x) => { x.boot.extra_args = 'quiet\nLABEL evil' })
    expect(() => kernelCommandLine(c, { instance: 'a', mode: 'overlay' })).toThrow(ConfigError)
  })
  it('refuses a line longer than the loaders take, naming the bytes to cut', () => {
    const kernel = 'vmlinuz-6.1.0-50-amd64@bookworm64'
    const budget = PXELINUX_CMDLINE_MAX - 'BOOT_IMAGE='.length - kernel.length - 1
    expect(() => checkCommandLineLength('bookworm64', kernel, 'x'.repeat(budget))).not.toThrow()
    expect(() => checkCommandLineLength('bookworm64', kernel, 'x'.repeat(budget + 10))).toThrow(/2047.*/)
    try { checkCommandLineLength('bookworm64', kernel, 'x'.repeat(budget + 10)) } catch (e) {
      expect((e as ConfigError).suggestion).toBe('shorten boot.extra_args or instances.bookworm64.extra_args by at least 10 bytes')
    }
  })
})

describe("iPXE's kernel line: the firmware's lease for the initrd (boot.firmware_lease)", () => {
  it('puts IPXE_FIRMWARE_LEASE where ip=dhcp goes, the rest of the line unchanged; pxelinux and GRUB keep ip=dhcp', () => {
    const dhcp = kernelCommandLine(config(), { instance: 'a', mode: 'overlay', initrd: 'initrd.img-6.1.0-50-amd64@a' })
    const firmware = kernelCommandLine(config(), { instance: 'a', mode: 'overlay', initrd: 'initrd.img-6.1.0-50-amd64@a', lease: 'firmware' })
    expect(firmware).toBe(dhcp.replace(' ip=dhcp ', ` ${IPXE_FIRMWARE_LEASE} `))
    expect(IPXE_FIRMWARE_LEASE).toBe('BOOTIF=01-${netX/mac:hexhyp} ip=${netX/ip}::${netX/gateway}:${netX/netmask}:${hostname}::none sidus.lease=firmware')
    expect(kernelCommandLine(config(), { instance: 'a', mode: 'rw', lease: 'firmware' })).toMatch(new RegExp(`^${IPXE_FIRMWARE_LEASE.replace(/[$.{}/]/g, '\\$&')} root=`))
  })
  it('boot.firmware_lease: false keeps ip=dhcp on iPXE\'s line too', () => {
    const line = kernelCommandLine(config((x) => { x.boot.firmware_lease = false }), { instance: 'a', mode: 'overlay', lease: 'firmware' })
    expect(line).toMatch(/^ip=dhcp root=/)
    expect(line).not.toContain('sidus.lease')
  })
  it('counts the lease as iPXE may widen it (addresses of 15 characters, a host name of 63) against the loaders\' limit', () => {
    const kernel = 'vmlinuz-6.1.0-50-amd64@bookworm64'
    const budget = PXELINUX_CMDLINE_MAX - 'BOOT_IMAGE='.length - kernel.length - 1
    const widest = 'BOOTIF=01-ff-ff-ff-ff-ff-ff ip=255.255.255.255::255.255.255.255:255.255.255.255:' + 'h'.repeat(63) + '::none sidus.lease=firmware'
    const rest = (room: number) => `${IPXE_FIRMWARE_LEASE} ${'x'.repeat(room - widest.length - 1)}`
    expect(() => checkCommandLineLength('bookworm64', kernel, rest(budget))).not.toThrow()
    expect(() => checkCommandLineLength('bookworm64', kernel, rest(budget + 1))).toThrow(/2048 bytes/)
  })
})

describe('argument quoting', () => {
  it('splits like the kernel: blanks outside double quotes', () => {
    expect(splitKernelArgs(' a  b="c d" e ')).toEqual(['a', 'b="c d"', 'e'])
  })
  it('quotes for GRUB what GRUB would expand or split', () => {
    expect(grubArgs('root=nfs:1.2.3.4:/srv/a:vers=3,rw sidus=rw')).toBe('root=nfs:1.2.3.4:/srv/a:vers=3,rw sidus=rw')
    expect(grubArgs('systemd.run="/bin/echo $HOME; x"')).toBe(`'systemd.run=/bin/echo $HOME; x'`)
    expect(grubArgs(`a='b'`)).toBe(`'a='\\''b'\\'''`)
  })
})

describe('tree names and versions', () => {
  it('parses published names, instance after the @', () => {
    expect(parseBootFile('vmlinuz-6.1.0-50-amd64@bookworm64')).toEqual({ kind: 'kernel', kver: '6.1.0-50-amd64', instance: 'bookworm64' })
    expect(parseBootFile('initrd.img-6.1.0-50-amd64@b-2')).toEqual({ kind: 'initrd', kver: '6.1.0-50-amd64', instance: 'b-2' })
    expect(parseBootFile('vmlinuz-6.1.0-50-amd64')).toBeUndefined()
    expect(parseBootFile('vmlinuz-6.1@Bad')).toBeUndefined()
  })
  it('orders kernel versions naturally', () => {
    expect(['6.1.0-9-amd64', '6.1.0-50-amd64', '6.1.0-10-amd64', '5.10.0-30-amd64'].sort(compareVersions))
      .toEqual(['5.10.0-30-amd64', '6.1.0-9-amd64', '6.1.0-10-amd64', '6.1.0-50-amd64'])
  })
})

describe('templates and diffs', () => {
  it('fill refuses a missing value and an unused one', () => {
    expect(fill('a {{x}} b', { x: 1 })).toBe('a 1 b')
    expect(() => fill('a {{x}}', {})).toThrow(/\{\{x\}\}/)
    expect(() => fill('a', { y: 1 })).toThrow(/y/)
  })
  it('unifiedDiff shows only what changes, with context', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n'
    const after = before.replace('line 10\n', 'line ten\n')
    const d = unifiedDiff('m', before, after)
    expect(d).toContain('--- a/m\n+++ b/m\n@@ -8,7 +8,7 @@\n line 7\n line 8\n line 9\n-line 10\n+line ten\n line 11\n')
    expect(unifiedDiff('m', before, before)).toBe('')
    expect(unifiedDiff('m', undefined, 'x\n')).toBe('--- /dev/null\n+++ b/m\n@@ -0,0 +1,1 @@\n+x\n')
  })
})
