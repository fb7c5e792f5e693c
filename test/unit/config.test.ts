import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, parseConfig } from '../../src/config/load.js'
import { fromDeb822, fromOneLine } from '../../src/config/mirror.js'
import { ConfigError } from '../../src/errors.js'
import { splitsNics } from '../../src/config/schema.js'
import { usesFirmwareLease } from '../../src/publish/cmdline.js'

const fail = (text: string) => {
  try { parseConfig(text, '/etc/sidus/sidus.yaml') } catch (e) { return e as ConfigError }
  throw new Error('expected a ConfigError')
}

describe('config', () => {
  it('defaults match SIDUS', () => {
    const c = parseConfig('', 'x.yaml')
    expect(c.paths).toEqual({ roots: '/srv/nfsroot', tftp: '/srv/tftp', state: '/var/lib/sidus', cache: '/var/cache/sidus' })
    expect(c.nfs.options).toBe('vers=3,rsize=1048576,wsize=1048576,tcp,nolock,noatime,nocto,actimeo=1,hard')
    expect(c.mirror).toBeUndefined()
  })
  it('merges given keys over defaults', () => {
    const c = parseConfig('paths:\n  roots: /data/roots\nserver:\n  address: 192.168.5.1\n  network: 192.168.5.0/24\n')
    expect(c.paths.roots).toBe('/data/roots')
    expect(c.paths.tftp).toBe('/srv/tftp')
    expect(c.server).toEqual({ address: '192.168.5.1', network: '192.168.5.0/24' })
  })
  it('boot.loader: iPXE over HTTP unless set to pxelinux', () => {
    expect(parseConfig('boot:\n  timeout: 3\n').boot.loader).toBe('ipxe-http')
    expect(parseConfig('boot:\n  loader: pxelinux\n').boot).toMatchObject({ loader: 'pxelinux', timeout: 5 })
  })
  it.each([
    ['paths:\n  roots: relative/dir\n', 2, /paths\.roots: must be an absolute path/],
    ['paths:\n  tftp: /srv/tftp\n  rots: /x\n', 3, /unknown key 'paths\.rots'/],
    ['server:\n  address: 10.0.0.300\n', 2, /server\.address: must be an IPv4 address/],
    ['server:\n  network: 10.0.0.0/40\n', 2, /server\.network: must be a network in CIDR form/],
    ['nfs:\n  server: nfsd\n', 2, /nfs\.server: must be one of kernel, ganesha/],
    ['boot:\n  timeout: soon\n', 2, /boot\.timeout: must be a non-negative number/],
    ['boot:\n  timeout: 3\n  loader: grub\n', 3, /boot\.loader: must be one of ipxe-http, pxelinux/],
    ['mirror: ftp.example\n', 1, /mirror: must be an http/],
    ['server:\n  address: 10.1.1.1\n  network: 10.2.0.0/16\n', 2, /10\.1\.1\.1 is not inside server\.network 10\.2\.0\.0\/16/],
    ['paths: [a, b]\n', 1, /paths must be a mapping/],
    ['paths:\n  roots: /a\n\ttftp: /b\n', 3, /invalid YAML: Tabs are not allowed/],
    ['instances:\n  Bad_Name:\n    extra_args: x\n', 2, /not a valid instance name/],
    ['dhcp:\n  range:\n    start: 10.20.17.50\n    end: 10.20.18.9\n', 4, /dhcp\.range\.end 10\.20\.18\.9 is not inside/],
  ])('refuses %j at line %i', (text, line, message) => {
    const e = fail(text)
    expect(e).toBeInstanceOf(ConfigError)
    expect(e.message).toMatch(new RegExp(`^/etc/sidus/sidus\\.yaml:${line}: `))
    expect(e.message).toMatch(message)
  })
  it('a missing default file means defaults; a missing named file is an error', () => {
    expect(loadConfig(undefined, {}).paths.roots).toBe('/srv/nfsroot')
    expect(() => loadConfig('/nonexistent/sidus.yaml', {})).toThrow(/cannot read the configuration \(ENOENT\)/)
    expect(() => loadConfig(undefined, { SIDUS_CONFIG: '/nonexistent/x.yaml' })).toThrow(ConfigError)
  })
  it('--config wins over SIDUS_CONFIG', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-cfg-'))
    const a = path.join(dir, 'a.yaml')
    const b = path.join(dir, 'b.yaml')
    writeFileSync(a, 'paths:\n  roots: /from/flag\n')
    writeFileSync(b, 'paths:\n  roots: /from/env\n')
    expect(loadConfig(a, { SIDUS_CONFIG: b }).paths.roots).toBe('/from/flag')
    expect(loadConfig(undefined, { SIDUS_CONFIG: b }).paths.roots).toBe('/from/env')
  })
})

describe('initrd.nic_drivers', () => {
  it('takes a list of module names, top level and per instance (- spelled _)', () => {
    const c = parseConfig('initrd:\n  nic_drivers: [e1000e, igb]\ninstances:\n  lab64:\n    initrd:\n      nic_drivers:\n        - virtio-net\n')
    expect(c.initrd.nic_drivers).toEqual(['e1000e', 'igb'])
    expect(c.instances.lab64.initrd?.nic_drivers).toEqual(['virtio_net'])
    expect(parseConfig('').initrd).toEqual({})
  })

  it('refuses a non-list, an empty list and a name that is no module name, with file:line', () => {
    expect(() => parseConfig('initrd:\n  nic_drivers: e1000e\n', 'f.yaml')).toThrow(/^f\.yaml:2: initrd\.nic_drivers must be a list of kernel module names$/)
    expect(() => parseConfig('initrd:\n  nic_drivers: []\n', 'f.yaml')).toThrow(/^f\.yaml:2: initrd\.nic_drivers must be a list/)
    expect(() => parseConfig('initrd:\n  nic_drivers:\n    - igb\n    - "e1000e; rm"\n', 'f.yaml')).toThrow(/^f\.yaml:4: initrd\.nic_drivers: "e1000e; rm" is not a kernel module name$/)
    expect(() => parseConfig('initrd:\n  drivers: [igb]\n', 'f.yaml')).toThrow(ConfigError)
  })
})

describe('initrd.split_nics', () => {
  it('is true or false, top level and per instance; anything else is refused with file:line', () => {
    const c = parseConfig('initrd:\n  split_nics: false\ninstances:\n  lab64:\n    initrd:\n      split_nics: true\n')
    expect(c.initrd.split_nics).toBe(false)
    expect(splitsNics(c, 'lab64')).toBe(true)
    expect(splitsNics(c, 'other')).toBe(false)
    expect(splitsNics(parseConfig(''), 'any')).toBe(true)
    expect(() => parseConfig('initrd:\n  split_nics: "no"\n', 'f.yaml')).toThrow(/^f\.yaml:2: initrd\.split_nics: must be true or false \(got "no"\)$/)
  })
})

describe('boot.firmware_lease', () => {
  it('is true or false (unset: true); anything else is refused with file:line', () => {
    expect(parseConfig('boot:\n  firmware_lease: false\n').boot.firmware_lease).toBe(false)
    expect(usesFirmwareLease(parseConfig(''))).toBe(true)
    expect(usesFirmwareLease(parseConfig('boot:\n  firmware_lease: false\n'))).toBe(false)
    expect(() => parseConfig('boot:\n  firmware_lease: 1\n', 'f.yaml')).toThrow(/^f\.yaml:2: boot\.firmware_lease: must be true or false \(got 1\)$/)
  })
})

describe('mirror from the server apt sources', () => {
  it('reads deb822 and skips security/updates', () => {
    const text = 'Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\nComponents: main\n\nTypes: deb\nURIs: http://mirror.invalid/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n'
    expect(fromDeb822(text)).toBe('http://mirror.invalid/debian')
  })
  it('reads one-line sources with options', () => {
    expect(fromOneLine('# comment\ndeb [arch=amd64 signed-by=/x] http://mirror.invalid/debian bookworm main\n')).toBe('http://mirror.invalid/debian')
    expect(fromOneLine('deb http://mirror.invalid/debian-security bookworm-security main\n')).toBeUndefined()
  })
  it('ignores disabled stanzas', () => {
    expect(fromDeb822('Enabled: no\nTypes: deb\nURIs: http://a.invalid/debian\nSuites: bookworm\n')).toBeUndefined()
  })
})
