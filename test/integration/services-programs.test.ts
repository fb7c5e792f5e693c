import { execa } from 'execa'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseConfig } from '../../src/config/load.js'
import { planFiles, renderDnsmasq, renderGanesha, renderIscDhcp, renderServeUnit, type DnsmasqOptions, type ServerModel } from '../../src/services/index.js'
import { tempWorld } from '../helpers/config.js'
import { TestNetns, writeText } from '../helpers/netns.js'

/** Every rendered config checked by the program that reads it. */
const world = tempWorld()
const roots = path.join(world.dir, 'roots')
for (const n of ['bookworm64', 'trixie64']) mkdirSync(path.join(roots, n, 'etc'), { recursive: true })
writeFileSync(path.join(roots, 'bookworm64', 'etc', 'hostname-probe'), 'from the root\n')

function model(yaml: string, masters: ServerModel['masters'] = {}): ServerModel {
  const config = parseConfig(`paths: {roots: ${roots}, tftp: ${world.tftp}, state: ${world.state}, cache: ${world.cache}}\n${yaml}`)
  return { config, instances: ['bookworm64', 'trixie64'], masters }
}
const labYaml = 'server: {address: 10.213.77.1, network: 10.213.77.0/24}\nnfs: {server: ganesha, home: /home}\n'
const labMaster = { bookworm64: { instance: 'bookworm64', mac: '52:54:00:12:34:56', ip: '10.213.77.253', since: 'now' } }
/** boot.loader ipxe-http (the default) */
const withMaster = model(labYaml, labMaster)
const withMasterPxelinux = model(`${labYaml}boot: {loader: pxelinux}\n`, labMaster)
const loaders: [string, ServerModel][] = [['ipxe-http', withMaster], ['pxelinux', withMasterPxelinux]]

afterAll(() => rmSync(world.dir, { recursive: true, force: true }))

describe('dnsmasq --test', () => {
  const cases: [string, DnsmasqOptions][] = [
    ['full DHCP + TFTP', { mode: 'dnsmasq', tftp: true, interface: 'lo', dns: false, extra: ['log-dhcp'] }],
    ['full DHCP, TFTP elsewhere', { mode: 'dnsmasq', tftp: false }],
    ['proxy DHCP + TFTP', { mode: 'proxy', tftp: true, interface: 'lo' }],
    ['proxy DHCP, TFTP elsewhere', { mode: 'proxy', tftp: false }],
    ['TFTP only', { mode: 'tftp', tftp: true }],
  ]
  test.each(loaders.flatMap(([loader, m]) => cases.map(([what, opts]) => [`${what}, ${loader}`, opts, m] as const)))('%s', async (what, opts, m) => {
    const text = renderDnsmasq(m, opts)
    expect(text.includes('http://10.213.77.1:8470/ipxe/boot.ipxe')).toBe(what.endsWith('ipxe-http') && opts.mode !== 'tftp')
    const file = writeText(path.join(world.dir, 'dnsmasq', `${what.replace(/\W+/g, '-')}.conf`), text)
    const r = await execa('dnsmasq', ['--test', `--conf-file=${file}`], { reject: false, all: true })
    expect(r.all).toContain('syntax check OK')
    expect(r.exitCode).toBe(0)
  })

  test('the check does fail on a broken file', async () => {
    const file = writeText(path.join(world.dir, 'dnsmasq', 'broken.conf'), `${renderDnsmasq(withMaster, { mode: 'proxy', tftp: true })}pxe-service=nonsense\n`)
    const r = await execa('dnsmasq', ['--test', `--conf-file=${file}`], { reject: false, all: true })
    expect(r.exitCode).not.toBe(0)
  })
})

describe('dhcpd -t', () => {
  test.each(loaders)('a full dhcpd.conf that includes the rendered file parses (%s)', async (loader, m) => {
    const text = renderIscDhcp(m)
    expect(text.includes('option user-class = "iPXE"')).toBe(loader === 'ipxe-http')
    const include = writeText(path.join(world.dir, 'dhcp', `dhcpd.sidus-${loader}.conf`), text)
    const conf = writeText(path.join(world.dir, 'dhcp', `dhcpd-${loader}.conf`), `ddns-update-style none;\nauthoritative;\ninclude "${include}";\n`)
    const r = await execa('dhcpd', ['-4', '-t', '-cf', conf], { reject: false, all: true })
    expect(r.all).not.toMatch(/error|warning/i)
    expect(r.exitCode).toBe(0)
  })

  test('the check does fail on a broken include', async () => {
    const include = writeText(path.join(world.dir, 'dhcp', 'broken.conf'), renderIscDhcp(withMaster).replace('fixed-address', 'fixed-adress'))
    const conf = writeText(path.join(world.dir, 'dhcp', 'dhcpd-broken.conf'), `include "${include}";\n`)
    const r = await execa('dhcpd', ['-4', '-t', '-cf', conf], { reject: false, all: true })
    expect(r.exitCode).not.toBe(0)
  })
})

describe('systemd-analyze verify', () => {
  test('the sidus serve unit: this node and this sidus are executable, every setting parses', async () => {
    const unit = planFiles(withMaster).find((f) => f.service === 'sidus-serve')!
    const file = writeText(path.join(world.dir, 'systemd', 'sidus-serve.service'), unit.content)
    const r = await execa('systemd-analyze', ['verify', file], { reject: false, all: true })
    expect(r.all).toBe('')
    expect(r.exitCode).toBe(0)
    // pxelinux: no HTTP boot, no unit
    expect(planFiles(withMasterPxelinux).some((f) => f.service === 'sidus-serve')).toBe(false)
  })

  test('the check does fail on a program that is not there', async () => {
    const file = writeText(path.join(world.dir, 'systemd-broken', 'sidus-serve.service'), renderServeUnit(withMaster.config, { node: '/nonexistent/node', sidus: '/nonexistent/run.js' }))
    const r = await execa('systemd-analyze', ['verify', file], { reject: false, all: true })
    expect(r.exitCode).not.toBe(0)
    expect(r.all).toContain('/nonexistent/node is not executable')
  })
})

describe('ganesha started on the rendered config, in a network namespace of its own', () => {
  const dir = path.join(world.dir, 'ganesha')
  const ns = new TestNetns(dir, 'br-t7', '10.213.77.1/24')
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true })
    await ns.up()
  })
  afterAll(async () => { await ns.down() })

  test('rpcbind + ganesha.nfsd start, listen on 2049 in the namespace only, export each root RO and the master RW', async () => {
    const conf = writeText(path.join(dir, 'ganesha.conf'), renderGanesha(withMaster, { bindAddress: ns.address, graceless: true, recoveryRoot: path.join(dir, 'recovery') }))
    const rpcbind = ns.spawn(['rpcbind', '-f'], path.join(dir, 'rpcbind.log'))
    await ns.waitFor(async () => / 0\.0\.0\.0:111 /.test(await ns.listening()), 'rpcbind on 111')
    const log = path.join(dir, 'ganesha.log')
    const ganesha = ns.spawn(['ganesha.nfsd', '-F', '-L', log, '-f', conf, '-p', path.join(dir, 'ganesha.pid'), '-N', 'NIV_EVENT'], path.join(dir, 'ganesha.out'))
    await ns.waitFor(async () => (await ns.listening()).includes(`${ns.address}]:2049 `), 'ganesha on 2049', 60_000)
    // ganesha binds 2049 and registers with rpcbind before it logs the end of its start-up: wait for that line
    await ns.waitForLine(log, 'NFS SERVER INITIALIZED', 'ganesha initialized', 60_000)
    expect(readFileSync(log, 'utf8')).toContain('Configuration file successfully parsed')

    // NFSv3 needs MOUNT registered with rpcbind
    const rpc = await ns.exec(['rpcinfo', '-p', ns.address])
    expect(rpc.stdout).toMatch(/100003\s+3\s+tcp\s+2049\s+nfs/)
    expect(rpc.stdout).toMatch(/100005\s+3\s+tcp\s+20048\s+mountd/)
    const show = await ns.exec(['showmount', '--no-headers', '-e', ns.address])
    const lines = show.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/))
    expect(Object.fromEntries(lines)).toEqual({
      [path.join(roots, 'bookworm64')]: '10.213.77.253/32,10.213.77.0/24',
      [path.join(roots, 'trixie64')]: '10.213.77.0/24',
      '/home': '10.213.77.0/24',
    })
    // nothing of it on the host's network
    expect((await execa('ss', ['-Hlnt'])).stdout).not.toContain(`${ns.address}]:2049`)

    await ns.stop(ganesha)
    expect(readFileSync(log, 'utf8')).toContain('NFS EXIT: regular exit')
    await ns.stop(rpcbind)
    expect(await ns.listening()).not.toMatch(/:2049 |:111 /)
  })
})
