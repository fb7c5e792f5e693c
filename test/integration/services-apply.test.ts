import { execFileSync } from 'node:child_process'
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { parseConfig } from '../../src/config/load.js'
import { LocalRunner } from '../../src/run/local.js'
import { applyServerConfig, checkInterface, parseExports } from '../../src/services/index.js'
import { writeLegacyMasters as writeMasters } from '../helpers/masters.js'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

/** `sidus server apply --root` into a temp tree, as a real server's /etc would be. */
const world = tempWorld('server: {address: 10.213.78.1, network: 10.213.78.0/24}\nnfs: {server: kernel}\ndhcp: {mode: isc}\ntftp: {server: tftpd-hpa}\n')
for (const n of ['bookworm64', 'trixie64']) mkdirSync(path.join(world.roots, n), { recursive: true })
const tree = path.join(world.dir, 'tree')
const etc = (p: string) => path.join(tree, 'etc', p)
const admin = {
  'dhcp/dhcpd.conf': 'option domain-name "example.org";\nddns-update-style none;\n',
  'default/tftpd-hpa': '# /etc/default/tftpd-hpa\n\nTFTP_USERNAME="tftp"\nTFTP_DIRECTORY="/srv/tftp"\nTFTP_ADDRESS=":69"\nTFTP_OPTIONS="--secure --verbose"\n',
  'exports.d/sidus.exports': '/old/by/hand 10.0.0.0/8(ro)\n',
}
for (const [p, text] of Object.entries(admin)) {
  mkdirSync(path.dirname(etc(p)), { recursive: true })
  writeFileSync(etc(p), text)
}
afterAll(() => rmSync(world.dir, { recursive: true, force: true }))

const mtimes = (dir = tree) => Object.fromEntries(walk(dir).map((f) => [f, lstatSync(f).mtimeMs]))
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
}

describe('sidus server apply --root', () => {
  test('--dry-run shows the changes and writes nothing', async () => {
    const before = mtimes()
    const r = await sidus(['server', 'apply', '--root', tree, '--dry-run', '--json'], { env: world.env })
    expect(r.exitCode).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary.files.map((f: { status: string }) => f.status)).toEqual(['updated', 'added', 'updated', 'added', 'updated', 'added'])
    expect(summary.files[0].diff).toContain('-/old/by/hand 10.0.0.0/8(ro)')
    expect(mtimes()).toEqual(before)
  })

  test('first apply: drop-ins written, admin files edited, each original kept once, reloads reported not run', async () => {
    const r = await sidus(['server', 'apply', '--root', tree, '--json'], { env: world.env })
    expect(r.exitCode, r.all).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary.files.map((f: { path: string; status: string }) => `${f.status} ${f.path}`)).toEqual([
      'updated /etc/exports.d/sidus.exports',
      'added /etc/dhcp/dhcpd.sidus.conf',
      'updated /etc/dhcp/dhcpd.conf',
      'added /etc/sidus/hosts',
      'updated /etc/default/tftpd-hpa',
      'added /etc/systemd/system/sidus-serve.service',
    ])
    expect(summary.reloads).toEqual([
      { service: 'nfs-kernel-server', argv: ['exportfs', '-ra'], status: 'skipped', reason: `files written under ${tree}, not to this system` },
      { service: 'isc-dhcp-server', argv: ['systemctl', 'restart', 'isc-dhcp-server'], status: 'skipped', reason: `files written under ${tree}, not to this system` },
      { service: 'tftpd-hpa', argv: ['systemctl', 'restart', 'tftpd-hpa'], status: 'skipped', reason: `files written under ${tree}, not to this system` },
      { service: 'sidus-serve', argv: ['systemctl', 'restart', 'sidus-serve'], status: 'skipped', reason: `files written under ${tree}, not to this system` },
    ])
    // boot.loader ipxe-http (the default): sidus serve on the server's address, with this config
    const unit = readFileSync(etc('systemd/system/sidus-serve.service'), 'utf8')
    expect(unit).toMatch(/^ExecStart=\S+ \S+\/bin\/run\.js serve --address 10\.213\.78\.1 --port 8470$/m)
    expect(unit).toContain(`Environment=SIDUS_CONFIG=${world.config}\n`)
    for (const [p, text] of Object.entries(admin)) expect(readFileSync(`${etc(p)}.sidus-orig`, 'utf8')).toBe(text)
    const exports = parseExports(readFileSync(etc('exports.d/sidus.exports'), 'utf8'))
    expect(exports.map((l) => `${l.path} ${l.client} ${l.options[0]}`)).toEqual([
      `${world.roots}/bookworm64 10.213.78.0/24 ro`, `${world.roots}/trixie64 10.213.78.0/24 ro`, '/home 10.213.78.0/24 rw',
    ])
    const dhcpd = readFileSync(etc('dhcp/dhcpd.conf'), 'utf8')
    expect(dhcpd.startsWith(admin['dhcp/dhcpd.conf'])).toBe(true)
    expect(dhcpd).toContain('include "/etc/dhcp/dhcpd.sidus.conf";')
    const tftpd = readFileSync(etc('default/tftpd-hpa'), 'utf8')
    expect(tftpd).toContain(`TFTP_DIRECTORY="${world.tftp}"`)
    expect(tftpd).toContain('TFTP_OPTIONS="--secure --verbose"')
    // no temp files left next to them
    expect(walk(tree).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  test('second apply changes nothing (same bytes, same mtimes, no reloads)', async () => {
    const before = mtimes()
    const r = await sidus(['server', 'apply', '--root', tree], { env: world.env })
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain('no changes')
    expect(mtimes()).toEqual(before)
    const j = JSON.parse((await sidus(['server', 'apply', '--root', tree, '--json'], { env: world.env })).stdout)
    expect(j.reloads).toEqual([])
  })

  test('a new master: exports and the dhcpd include change, the originals are not overwritten', async () => {
    const config = parseConfig(readFileSync(world.config, 'utf8'), world.config)
    await writeMasters(config, { trixie64: { instance: 'trixie64', mac: '52:54:00:aa:bb:cc', ip: '10.213.78.250', since: 'now' } })
    // master set calls it this way: only when sidus's files are installed
    const summary = await applyServerConfig({ config, runner: new LocalRunner() }, { root: tree, onlyIfApplied: true })
    expect(summary.skipped).toBeUndefined()
    expect(summary.files.filter((f) => f.status !== 'unchanged').map((f) => f.path)).toEqual(['/etc/exports.d/sidus.exports', '/etc/dhcp/dhcpd.sidus.conf', '/etc/sidus/hosts'])
    const rw = parseExports(readFileSync(etc('exports.d/sidus.exports'), 'utf8')).filter((l) => l.options[0] === 'rw' && l.path.startsWith(world.roots))
    expect(rw).toEqual([{ path: `${world.roots}/trixie64`, client: '10.213.78.250', options: ['rw', 'no_root_squash', 'no_subtree_check', 'async'] }])
    expect(readFileSync(etc('dhcp/dhcpd.sidus.conf'), 'utf8')).toMatch(/hardware ethernet 52:54:00:aa:bb:cc;\s*fixed-address 10.213.78.250;/)
    expect(readFileSync(etc('exports.d/sidus.exports.sidus-orig'), 'utf8')).toBe(admin['exports.d/sidus.exports'])
  })

  test('onlyIfApplied leaves a server where sidus was never applied alone', async () => {
    const config = parseConfig(readFileSync(world.config, 'utf8'), world.config)
    const empty = path.join(world.dir, 'empty-tree')
    const summary = await applyServerConfig({ config, runner: new LocalRunner() }, { root: empty, onlyIfApplied: true })
    expect(summary.skipped).toMatch(/has not been run/)
    expect(existsSync(empty)).toBe(false)
  })

  test('a master outside the network is refused before anything is written', async () => {
    const config = parseConfig(readFileSync(world.config, 'utf8'), world.config)
    await writeMasters(config, { trixie64: { instance: 'trixie64', mac: '52:54:00:aa:bb:cc', ip: '192.168.7.7', since: 'now' } })
    const before = mtimes()
    const r = await sidus(['server', 'apply', '--root', tree], { env: world.env })
    expect(r.exitCode).toBe(78)
    expect(r.stderr).toContain('192.168.7.7, which is not inside server.network 10.213.78.0/24')
    expect(r.stderr).toContain('fix: sidus master set trixie64 52:54:00:aa:bb:cc --ip')
    expect(mtimes()).toEqual(before)
    await writeMasters(config, {})
  })

  test('server.interface must exist when applying to this system', async () => {
    const config = parseConfig('server: {interface: nosuchif0}\n')
    await expect(checkInterface({ config, instances: [], masters: {} })).rejects.toThrow('server.interface nosuchif0 does not exist on this machine')
    await expect(checkInterface({ config: parseConfig('server: {interface: lo}\n'), instances: [], masters: {} })).resolves.toBeUndefined()
  })
})

describe('sidus server render', () => {
  test('prints every managed file; --out writes them under a directory and touches nothing else', async () => {
    const r = await sidus(['server', 'render'], { env: world.env })
    expect(r.exitCode).toBe(0)
    for (const p of ['/etc/exports.d/sidus.exports', '/etc/dhcp/dhcpd.sidus.conf', '/etc/dhcp/dhcpd.conf', '/etc/default/tftpd-hpa', '/etc/systemd/system/sidus-serve.service']) expect(r.stdout).toContain(`==> ${p} `)
    const out = path.join(world.dir, 'rendered')
    const w = await sidus(['server', 'render', '--out', out, '--json'], { env: world.env })
    expect(w.exitCode).toBe(0)
    expect(walk(out).map((f) => path.relative(out, f)).sort()).toEqual(['etc/default/tftpd-hpa', 'etc/dhcp/dhcpd.conf', 'etc/dhcp/dhcpd.sidus.conf', 'etc/exports.d/sidus.exports', 'etc/sidus/hosts', 'etc/systemd/system/sidus-serve.service'])
    expect(readFileSync(path.join(out, 'etc/dhcp/dhcpd.sidus.conf'), 'utf8')).toBe(JSON.parse(w.stdout).files[1].content)
  })
})

describe('ganesha: reload for export changes, restart for the rest', () => {
  test('first install restarts, a new master only reloads', async () => {
    const w = tempWorld('server: {address: 10.213.81.1, network: 10.213.81.0/24}\nnfs: {server: ganesha}\n')
    try {
      mkdirSync(path.join(w.roots, 'bookworm64'))
      const t = path.join(w.dir, 'tree')
      mkdirSync(path.join(t, 'etc/ganesha'), { recursive: true })
      const debian = 'EXPORT { Export_Id = 77; Path = /nonexistent; Pseudo = /nonexistent; Access_Type = RW; FSAL { Name = VFS; } }\n'
      writeFileSync(path.join(t, 'etc/ganesha/ganesha.conf'), debian)
      const config = parseConfig(readFileSync(w.config, 'utf8'), w.config)
      const ctx = { config, runner: new LocalRunner() }
      const first = await applyServerConfig(ctx, { root: t })
      expect(first.reloads.find((r) => r.service === 'nfs-ganesha')?.argv).toEqual(['systemctl', 'restart', 'nfs-ganesha'])
      expect(readFileSync(path.join(t, 'etc/ganesha/ganesha.conf.sidus-orig'), 'utf8')).toBe(debian)
      await writeMasters(config, { bookworm64: { instance: 'bookworm64', mac: '52:54:00:aa:bb:01', ip: '10.213.81.250', since: 'now' } })
      const second = await applyServerConfig(ctx, { root: t, dryRun: true })
      expect(second.reloads.find((r) => r.service === 'nfs-ganesha')).toEqual({ service: 'nfs-ganesha', argv: ['systemctl', 'reload', 'nfs-ganesha'], status: 'skipped', reason: 'dry run' })
      expect(second.files[0].diff).toContain('+\t\tClients = 10.213.81.250;')
    } finally {
      rmSync(w.dir, { recursive: true, force: true })
    }
  })
})

/** the enablement link points at /etc/…, outside the tree: existsSync would follow it */
const isLink = (p: string) => { try { return lstatSync(p).isSymbolicLink() } catch { return false } }

describe('boot.loader pxelinux retires an installed sidus-serve unit', () => {
  test('apply disables the unit (its enablement link goes, offline with systemctl --root) and removes it; a second apply has nothing to do', async () => {
    const w = tempWorld('server: {address: 10.213.82.1, network: 10.213.82.0/24}\nnfs: {server: kernel}\n')
    try {
      mkdirSync(path.join(w.roots, 'bookworm64'))
      const t = path.join(w.dir, 'tree')
      const unit = path.join(t, 'etc/systemd/system/sidus-serve.service')
      const wants = path.join(t, 'etc/systemd/system/multi-user.target.wants/sidus-serve.service')
      const installed = await sidus(['server', 'apply', '--root', t], { env: w.env })
      expect(installed.exitCode, installed.all).toBe(0)
      // enabled as apply enables it on a server (systemctl enable), here in the tree
      execFileSync('systemctl', [`--root=${t}`, 'enable', 'sidus-serve'], { stdio: 'pipe' })
      expect(readlinkSync(wants)).toBe('/etc/systemd/system/sidus-serve.service')
      writeFileSync(w.config, `${readFileSync(w.config, 'utf8')}boot: {loader: pxelinux}\n`)

      const before = mtimes(t)
      const dry = JSON.parse((await sidus(['server', 'apply', '--root', t, '--dry-run', '--json'], { env: w.env })).stdout)
      expect(dry.files.filter((f: { status: string }) => f.status === 'removed').map((f: { path: string; diff: string }) => [f.path, f.diff.includes('-ExecStart=')])).toEqual([['/etc/systemd/system/sidus-serve.service', true]])
      expect(mtimes(t)).toEqual(before)
      expect(isLink(wants)).toBe(true)

      const r = await sidus(['server', 'apply', '--root', t, '--json'], { env: w.env })
      expect(r.exitCode, r.all).toBe(0)
      const summary = JSON.parse(r.stdout)
      expect(summary.files.filter((f: { status: string }) => f.status !== 'unchanged').map((f: { status: string; path: string }) => `${f.status} ${f.path}`)).toEqual([
        // dnsmasq's config changes too: no more chaining iPXE to HTTP
        'updated /etc/dnsmasq.d/sidus.conf', 'removed /etc/systemd/system/sidus-serve.service',
      ])
      expect(summary.reloads.filter((r: { service: string }) => r.service === 'sidus-serve')).toEqual([
        { service: 'sidus-serve', argv: ['systemctl', `--root=${t}`, 'disable', 'sidus-serve'], status: 'done' },
        { service: 'sidus-serve', argv: ['systemctl', 'daemon-reload'], status: 'skipped', reason: `files written under ${t}, not to this system` },
      ])
      expect(existsSync(unit)).toBe(false)
      expect(isLink(wants)).toBe(false)

      const again = JSON.parse((await sidus(['server', 'apply', '--root', t, '--json'], { env: w.env })).stdout)
      expect(again.files.every((f: { status: string }) => f.status === 'unchanged')).toBe(true)
      expect(again.reloads).toEqual([])
    } finally {
      rmSync(w.dir, { recursive: true, force: true })
    }
  })

  test('http.static back to serve: the nginx site is removed, nginx reloaded (reported under --root)', async () => {
    const w = tempWorld('server: {address: 10.213.82.1, network: 10.213.82.0/24}\nnfs: {server: kernel}\nhttp: {static: nginx}\n')
    try {
      const t = path.join(w.dir, 'tree')
      const site = path.join(t, 'etc/nginx/conf.d/sidus.conf')
      const first = JSON.parse((await sidus(['server', 'apply', '--root', t, '--json'], { env: w.env })).stdout)
      expect(first.files.find((f: { path: string }) => f.path === '/etc/nginx/conf.d/sidus.conf')?.status).toBe('added')
      expect(first.reloads.find((r: { service: string }) => r.service === 'nginx')?.argv).toEqual(['systemctl', 'reload', 'nginx'])
      writeFileSync(w.config, readFileSync(w.config, 'utf8').replace('http: {static: nginx}', 'http: {static: serve}'))
      const r = JSON.parse((await sidus(['server', 'apply', '--root', t, '--json'], { env: w.env })).stdout)
      expect(r.files.filter((f: { status: string }) => f.status !== 'unchanged').map((f: { status: string; path: string }) => `${f.status} ${f.path}`)).toEqual([
        // sidus serve back on server.address
        'updated /etc/systemd/system/sidus-serve.service', 'removed /etc/nginx/conf.d/sidus.conf',
      ])
      expect(r.reloads.filter((x: { service: string }) => x.service === 'nginx')).toEqual([{ service: 'nginx', argv: ['systemctl', 'reload', 'nginx'], status: 'skipped', reason: `files written under ${t}, not to this system` }])
      expect(existsSync(site)).toBe(false)
    } finally {
      rmSync(w.dir, { recursive: true, force: true })
    }
  })

  test('a sidus-serve unit sidus did not write is left alone', async () => {
    const w = tempWorld('server: {address: 10.213.82.1, network: 10.213.82.0/24}\nnfs: {server: kernel}\nboot: {loader: pxelinux}\n')
    try {
      const t = path.join(w.dir, 'tree')
      const unit = path.join(t, 'etc/systemd/system/sidus-serve.service')
      mkdirSync(path.dirname(unit), { recursive: true })
      writeFileSync(unit, '[Service]\nExecStart=/usr/local/bin/my-own-serve\n')
      const r = JSON.parse((await sidus(['server', 'apply', '--root', t, '--json'], { env: w.env })).stdout)
      expect(r.files.map((f: { path: string }) => f.path)).not.toContain('/etc/systemd/system/sidus-serve.service')
      expect(readFileSync(unit, 'utf8')).toContain('my-own-serve')
    } finally {
      rmSync(w.dir, { recursive: true, force: true })
    }
  })
})
