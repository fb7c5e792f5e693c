import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { asSidusError } from '../../src/cli/report-error.js'
import { ipxeHazard } from '../../src/config/args.js'
import { parseConfig } from '../../src/config/load.js'
import { canonicalIpv4 } from '../../src/config/net.js'
import { defaultConfig, type SidusConfig } from '../../src/config/schema.js'
import { closeBoot, scanBoot } from '../../src/domain/boot-scan.js'
import { openInRoot, readTextInRoot } from '../../src/domain/root-path.js'
import { ConfigError, formatError, fromSystemError, SidusError, StateError, UsageError } from '../../src/errors.js'
import { masterAddress, masterAddressProblem } from '../../src/master/address.js'
import { readInstanceMeta } from '../../src/state/instances.js'
import { readMasters, readMastersOrWarn } from '../../src/inventory/masters.js'

/** The error `fn` throws (sync or async). */
async function caught(fn: () => unknown): Promise<SidusError> {
  try {
    await fn()
  } catch (error) {
    return error as SidusError
  }
  throw new Error('expected a refusal, got none')
}

/** a refusal as the user sees it: one line, then one fix line, and the exit code of its class */
function expectRefusal(error: SidusError, cls: new (...a: never[]) => SidusError, exitCode: number, message: RegExp): void {
  expect(error).toBeInstanceOf(cls)
  expect(error.exitCode).toBe(exitCode)
  expect(error.message).not.toContain('\n')
  expect(error.message).toMatch(message)
  expect(error.suggestion).toBeTruthy()
  const lines = formatError(error).trimEnd().split('\n')
  expect(lines).toHaveLength(2)
  expect(lines[0]).toBe(`sidus: error: ${error.message}`)
  expect(lines[1]).toMatch(/^ {2}fix: \S/)
}

const dirs: string[] = []
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'sidus-refusals-'))
  dirs.push(d)
  return d
}

describe('master addresses', () => {
  const base = (): SidusConfig => {
    const c = defaultConfig()
    c.server = { address: '10.20.17.254', network: '10.20.17.0/24' }
    return c
  }

  it('refuses an address inside the default pool (dhcp.range unset), the one dnsmasq/dhcpd are rendered with', async () => {
    const c = base()
    const e = await caught(() => masterAddress(c, {}, 'a', 'x', '10.20.17.150'))
    expectRefusal(e, UsageError, 64, /^10\.20\.17\.150 lies in the DHCP pool 10\.20\.17\.128-10\.20\.17\.240 \(the default pool \(dhcp\.range unset\)\)/)
    // the same address is fine where sidus hands out no pool (proxy: the site's DHCP server does)
    expect(masterAddress({ ...c, dhcp: { ...c.dhcp, mode: 'proxy' } }, {}, 'a', 'x', '10.20.17.150')).toBe('10.20.17.150')
    // and the default pick never lands in it
    expect(masterAddress(c, {}, 'a', 'x')).toBe('10.20.17.253')
  })

  it('refuses an address inside an explicit dhcp.range', async () => {
    const c = base()
    c.dhcp.range = { start: '10.20.17.10', end: '10.20.17.20' }
    expectRefusal(await caught(() => masterAddress(c, {}, 'a', 'x', '10.20.17.15')), UsageError, 64, /lies in the DHCP pool 10\.20\.17\.10-10\.20\.17\.20 \(dhcp\.range\)/)
  })

  it('stores the canonical form: blanks dropped, a leading-zero octet refused (octal to some programs, decimal to others)', async () => {
    const c = base()
    expect(masterAddress(c, {}, 'a', 'x', ' 10.20.17.10 ')).toBe('10.20.17.10')
    expectRefusal(await caught(() => masterAddress(c, {}, 'a', 'x', ' 10.20.17.010')), UsageError, 64, /^invalid address " 10\.20\.17\.010": an octet has a leading zero/)
    expect(canonicalIpv4('10.20.17.0')).toEqual({ ip: '10.20.17.0' })
    expect(canonicalIpv4('10.20.17.256')).toEqual({ problem: 'an octet is above 255' })
  })

  it('doctor and master set share the rules', () => {
    const c = base()
    expect(masterAddressProblem(c, '10.20.17.130')?.message).toMatch(/DHCP pool/)
    expect(masterAddressProblem(c, '10.20.17.254')?.message).toMatch(/server's own address/)
    expect(masterAddressProblem(c, '10.20.17.9')).toBeUndefined()
  })
})

describe('config paths and kernel arguments', () => {
  const load = (yaml: string) => caught(() => parseConfig(yaml, '/etc/sidus/sidus.yaml'))

  it('refuses paths.roots == paths.tftp', async () => {
    expectRefusal(await load('paths:\n  roots: /srv/x\n  tftp: /srv/x\n'), ConfigError, 78, /^\/etc\/sidus\/sidus\.yaml:3: paths\.roots \/srv\/x is the same directory as paths\.tftp \/srv\/x/)
  })
  it('refuses / as a path', async () => {
    expectRefusal(await load('paths:\n  roots: /\n'), ConfigError, 78, /^\/etc\/sidus\/sidus\.yaml:2: paths\.roots: must not be \//)
  })
  it('refuses nested paths, in both directions, defaults included', async () => {
    expectRefusal(await load('paths:\n  roots: /srv\n'), ConfigError, 78, /^\/etc\/sidus\/sidus\.yaml:2: paths\.roots \/srv contains paths\.tftp \/srv\/tftp/)
    expectRefusal(await load('paths:\n  tftp: /srv/nfsroot/tftp\n'), ConfigError, 78, /:2: paths\.roots \/srv\/nfsroot contains paths\.tftp \/srv\/nfsroot\/tftp/)
    expectRefusal(await load('paths:\n  state: /var/lib/sidus\n  cache: /var/lib/sidus/cache\n'), ConfigError, 78, /:3: paths\.state \/var\/lib\/sidus contains paths\.cache/)
  })
  it('refuses characters an NFS export path or a kernel command line cannot hold', async () => {
    expectRefusal(await load('paths:\n  roots: /srv/nfs root\n'), ConfigError, 78, /^\/etc\/sidus\/sidus\.yaml:2: paths\.roots: the character " " cannot stand in an NFS export path/)
    expectRefusal(await load('paths:\n  roots: /srv/a:b\n'), ConfigError, 78, /:2: paths\.roots: the character ":" cannot stand/)
    expectRefusal(await load('paths:\n  tftp: /srv/t,ftp\n'), ConfigError, 78, /:2: paths\.tftp: the character "," cannot stand/)
  })
  it('refuses kernel arguments iPXE would interpret', async () => {
    expectRefusal(await load('boot:\n  extra_args: quiet && shell\n'), ConfigError, 78, /^\/etc\/sidus\/sidus\.yaml:2: boot\.extra_args holds the word "&&"/)
    expectRefusal(await load('boot:\n  extra_args: a || b\n'), ConfigError, 78, /boot\.extra_args holds the word "\|\|"/)
    expectRefusal(await load('instances:\n  lab:\n    extra_args: x=${net0/ip}\n'), ConfigError, 78, /^\/etc\/sidus\/sidus\.yaml:3: instances\.lab\.extra_args holds "\$\{"/)
    expectRefusal(await load('boot:\n  console: "ttyS0 #serial"\n'), ConfigError, 78, /:2: boot\.console holds a word starting with #/)
    expect(ipxeHazard('quiet console=ttyS0,115200 a=b#c')).toBeUndefined()
  })
  it('stores configured addresses canonical and refuses leading zeros', async () => {
    expect(parseConfig('server:\n  address: " 10.20.17.254"\n').server.address).toBe('10.20.17.254')
    expectRefusal(await load('server:\n  address: 10.20.17.0254\n'), ConfigError, 78, /:2: server\.address: must be an IPv4 address/)
  })
})

describe('corrupt state files name themselves', () => {
  const world = () => {
    const c = defaultConfig()
    const d = tmp()
    c.paths = { roots: path.join(d, 'roots'), tftp: path.join(d, 'tftp'), state: path.join(d, 'state'), cache: path.join(d, 'cache') }
    mkdirSync(path.join(c.paths.state, 'instances'), { recursive: true })
    return c
  }

  it('masters.yaml: a StateError naming the file and the fix; readers that only show masters warn and go on', async () => {
    const c = world()
    const file = path.join(c.paths.state, 'masters.yaml')
    writeFileSync(file, 'masters: [unclosed\n')
    expectRefusal(await caught(() => readMasters(c)), StateError, 65, new RegExp(`^${file} is corrupt \\(invalid YAML: `))
    writeFileSync(file, 'masters:\n  lab: 42\n')
    expectRefusal(await caught(() => readMasters(c)), StateError, 65, new RegExp(`^${file} is corrupt \\(the entry "lab" is not`))
    const warnings: string[] = []
    expect(await readMastersOrWarn(c, (l) => warnings.push(l))).toEqual({})
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`${file} is corrupt`)
    expect(warnings[0]).toContain(`mv ${file} ${file}.bad`)
  })

  it('instance metadata: a StateError naming the file', async () => {
    const c = world()
    const file = path.join(c.paths.state, 'instances', 'lab.yaml')
    writeFileSync(file, ': : :\n')
    expectRefusal(await caught(() => readInstanceMeta(c, 'lab')), StateError, 65, new RegExp(`^${file} is corrupt`))
    writeFileSync(file, 'name: other\nsuite: bookworm\n')
    expectRefusal(await caught(() => readInstanceMeta(c, 'lab')), StateError, 65, /is corrupt \(not the metadata of lab\)/)
    expect(await readInstanceMeta(c, 'none')).toBeUndefined()
  })
})

describe('raw errors reach the user as sidus errors of their class', () => {
  const sys = (code: string, syscall: string, p?: string) => Object.assign(new Error(`${code}: something, ${syscall} '${p}'\n    at stack`), { code, syscall, path: p })

  it.each([
    ['ENOSPC', 74, /^\/srv\/tftp\/x: no space left on the file system \(write\)$/],
    ['ENOTDIR', 73, /^\/srv\/tftp\/x: a part of this path is a file where a directory is expected \(write\)$/],
    ['EACCES', 77, /^\/srv\/tftp\/x: permission denied \(write\)$/],
    ['EROFS', 74, /^\/srv\/tftp\/x: the file system is read-only \(write\)$/],
    ['ENOENT', 66, /^\/srv\/tftp\/x: no such file or directory \(write\)$/],
  ])('%s', (code, exitCode, message) => {
    const e = fromSystemError(sys(code, 'write', '/srv/tftp/x'))!
    expectRefusal(e, SidusError, exitCode, message)
    expect(e.suggestion).toContain('/srv/tftp/x')
  })

  it('oclif parse errors are usage errors (64), anything else an internal error (70), all on one line', () => {
    const parse = Object.assign(new Error('Missing 1 required arg:\nname  instance name\nSee more help with --help'), { oclif: { exit: 2 } })
    const u = asSidusError(parse, 'info')
    expectRefusal(u, UsageError, 64, /^Missing 1 required arg: name instance name$/)
    expect(u.suggestion).toBe('see sidus info --help')
    const other = asSidusError(new TypeError('x is not a function\n    at y'))
    expect(other.exitCode).toBe(70)
    expect(other.message).toBe('x is not a function')
  })
})

describe('root reads never leave the root', () => {
  const victim = path.join(tmp(), 'victim')
  writeFileSync(victim, 'victim-content')

  it('a file reached through a symlink pointing out is refused with a warning naming the link', async () => {
    const root = tmp()
    mkdirSync(path.join(root, 'boot'))
    symlinkSync(victim, path.join(root, 'boot/vmlinuz-1.0'))
    const warnings: string[] = []
    expect(await openInRoot(root, 'boot/vmlinuz-1.0', { refuseOutside: true, warn: (l) => warnings.push(l) })).toBeUndefined()
    expect(warnings).toEqual([`${root}/boot/vmlinuz-1.0 is a symlink to ${victim}, outside the root: refused, not read`])
    // read chroot-style (info): the link restarts at the root, where there is no such file
    expect(await readTextInRoot(root, 'boot/vmlinuz-1.0')).toBeUndefined()
  })

  it('a link that stays inside the root is followed; a FIFO or a directory is not a file', async () => {
    const root = tmp()
    mkdirSync(path.join(root, 'boot'))
    writeFileSync(path.join(root, 'boot/real'), 'kernel')
    symlinkSync('real', path.join(root, 'boot/vmlinuz-2.0'))
    const f = await openInRoot(root, 'boot/vmlinuz-2.0', { refuseOutside: true })
    expect(f?.rel).toBe('/boot/real')
    expect((await f!.handle.readFile('utf8'))).toBe('kernel')
    await f!.handle.close()
    execFileSync('mkfifo', [path.join(root, 'boot/fifo')])
    mkdirSync(path.join(root, 'boot/dir'))
    const warnings: string[] = []
    expect(await openInRoot(root, 'boot/fifo', { warn: (l) => warnings.push(l) })).toBeUndefined()
    expect(await openInRoot(root, 'boot/dir', { warn: (l) => warnings.push(l) })).toBeUndefined()
    expect(warnings).toEqual([`${root}/boot/fifo is not a regular file; not read`, `${root}/boot/dir is not a regular file; not read`])
  })

  it('the /boot scanner refuses a /boot that is a symlink out of the root, and pairs kernels with initrds', async () => {
    const root = tmp()
    symlinkSync(path.dirname(victim), path.join(root, 'boot'))
    const warnings: string[] = []
    expect(await scanBoot(root, { warn: (l) => warnings.push(l) })).toEqual([])
    expect(warnings[0]).toBe(`${root}/boot is a symlink to ${path.dirname(victim)}, outside the root: refused, no kernel read from it`)
    const good = tmp()
    mkdirSync(path.join(good, 'boot'))
    for (const f of ['vmlinuz-6.1.0-9-amd64', 'vmlinuz-6.1.0-10-amd64', 'initrd.img-6.1.0-10-amd64', 'vmlinuz-6.1.0-8-amd64.old']) writeFileSync(path.join(good, 'boot', f), f)
    const kernels = await scanBoot(good)
    expect(kernels.map((k) => [k.kver, k.initrd?.rel])).toEqual([['6.1.0-10-amd64', '/boot/initrd.img-6.1.0-10-amd64'], ['6.1.0-9-amd64', undefined]])
    await closeBoot(kernels)
  })
})
