import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultConfig } from '../../../src/config/schema.js'
import type { Ctx } from '../../../src/context.js'
import { readDisklessGenerators } from '../../../src/bootstrap/diskless-generators.js'
import { installModule } from '../../../src/dracut/install.js'
import { LocalRunner } from '../../../src/run/local.js'
import { execFileSync } from 'node:child_process'
import { REPO } from '../../helpers/cli.js'

/** installModule on a real directory tree shaped like a root with dracut installed. */
let dir: string
let root: string
let ctx: Ctx
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-dracut-install-'))
  root = path.join(dir, 'roots', 'bookworm64')
  // shaped like bookworm's dracut 059
  mkdirSync(path.join(root, 'usr/lib/dracut/modules.d/95nfs'), { recursive: true })
  mkdirSync(path.join(root, 'usr/lib/dracut/modules.d/35network-legacy'), { recursive: true })
  writeFileSync(path.join(root, 'usr/lib/dracut/dracut-version.sh'), 'DRACUT_VERSION=059\n')
  mkdirSync(path.join(root, 'etc/dracut.conf.d'), { recursive: true })
  const c = defaultConfig()
  ctx = { config: { ...c, paths: { ...c.paths, roots: path.join(dir, 'roots'), state: path.join(dir, 'state') } }, runner: new LocalRunner() }
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const MODULE = 'usr/lib/dracut/modules.d/90sidus'
const assets = readdirSync(path.join(REPO, 'assets/dracut/90sidus')).sort()
const TRIM = 'usr/lib/dracut/modules.d/99sidus-trim'
const trimAssets = readdirSync(path.join(REPO, 'assets/dracut/99sidus-trim')).sort()

describe('installModule', () => {
  it('copies every file of assets/dracut/90sidus and 99sidus-trim and the conf, scripts executable', async () => {
    const r = await installModule(ctx, 'bookworm64')
    expect(assets).toEqual(expect.arrayContaining(['module-setup.sh', 'sidus-mount.sh', 'sidus-dhclient.conf']))
    expect(trimAssets).toEqual(['coldplug-skip', 'expr.sh', 'getarg.sh', 'kill-dhclient.sh', 'link-wait.sh', 'module-setup.sh', 'pgrep.sh', 'pidof.sh'])
    expect(r.files).toEqual([...assets.map((f) => `/${MODULE}/${f}`), ...trimAssets.map((f) => `/${TRIM}/${f}`), '/etc/dracut.conf.d/90-sidus.conf', '/etc/sidus/diskless-masks', '/etc/systemd/system-generators/sidus-diskless',
      ...(await readDisklessGenerators()).map((g) => `/etc/systemd/system-generators/${g.name}`)])
    expect(r.changed).toEqual(r.files)
    for (const f of assets) {
      const file = path.join(root, MODULE, f)
      expect(readFileSync(file)).toEqual(readFileSync(path.join(REPO, 'assets/dracut/90sidus', f)))
      expect(statSync(file).mode & 0o777).toBe(f.endsWith('.sh') ? 0o755 : 0o644)
    }
    for (const f of trimAssets) {
      expect(readFileSync(path.join(root, TRIM, f))).toEqual(readFileSync(path.join(REPO, 'assets/dracut/99sidus-trim', f)))
      expect(statSync(path.join(root, TRIM, f)).mode & 0o777).toBe(f.endsWith('.sh') ? 0o755 : 0o644)
    }
    expect(readFileSync(path.join(root, 'etc/dracut.conf.d/90-sidus.conf'), 'utf8')).toBe(readFileSync(path.join(REPO, 'assets/dracut/sidus.conf'), 'utf8'))
  })

  it('again: nothing rewritten (mtimes kept); an edited or stale file is replaced or removed, never duplicated', async () => {
    await installModule(ctx, 'bookworm64')
    const mtime = statSync(path.join(root, MODULE, 'sidus-mount.sh')).mtimeMs
    const again = await installModule(ctx, 'bookworm64')
    expect(again.changed).toEqual([])
    expect(statSync(path.join(root, MODULE, 'sidus-mount.sh')).mtimeMs).toBe(mtime)

    // an older sidus shipped another file; someone edited the hook and chmod'ed it
    writeFileSync(path.join(root, MODULE, 'old-sidus-mount.sh'), '#!/bin/sh\n')
    writeFileSync(path.join(root, MODULE, 'sidus-mount.sh'), '#!/bin/sh\n# edited\n')
    writeFileSync(path.join(root, TRIM, 'old-trim.sh'), '#!/bin/sh\n')
    const upgrade = await installModule(ctx, 'bookworm64')
    expect(upgrade.changed).toEqual([`/${MODULE}/sidus-mount.sh`])
    expect(upgrade.removed).toEqual([`/${MODULE}/old-sidus-mount.sh`, `/${TRIM}/old-trim.sh`])
    expect(readdirSync(path.join(root, TRIM))).toEqual(trimAssets)
    expect(readdirSync(path.join(root, MODULE)).sort()).toEqual(assets)
    expect(readdirSync(path.join(root, 'etc/dracut.conf.d'))).toEqual(['90-sidus.conf'])
  })

  it('an absolute symlink in the root is followed inside the root, never onto the server', async () => {
    rmSync(path.join(root, 'etc/dracut.conf.d'), { recursive: true })
    mkdirSync(path.join(root, 'srv-conf'))
    symlinkSync('/srv-conf', path.join(root, 'etc/dracut.conf.d'))
    await installModule(ctx, 'bookworm64')
    expect(lstatSync(path.join(root, 'etc/dracut.conf.d')).isSymbolicLink()).toBe(true)
    expect(existsSync(path.join(root, 'srv-conf/90-sidus.conf'))).toBe(true)
    expect(existsSync('/srv-conf')).toBe(false)
  })

  it('a root without dracut is refused, naming the packages, before anything is written', async () => {
    rmSync(path.join(root, 'usr/lib/dracut'), { recursive: true })
    await expect(installModule(ctx, 'bookworm64')).rejects.toMatchObject({
      exitCode: 69, message: expect.stringContaining('dracut is not installed'), suggestion: 'sidus exec bookworm64 -- apt-get install -y dracut dracut-network',
    })
    expect(readdirSync(path.join(root, 'etc/dracut.conf.d'))).toEqual([])
  })

  const conf = () => readFileSync(path.join(root, 'etc/dracut.conf.d/90-sidus.conf'), 'utf8')
  const asset = (f: string) => readFileSync(path.join(REPO, 'assets/dracut', f), 'utf8')
  /** make the fake root look like another release's dracut */
  const dracutOf = (version: string | undefined, modules: string[]) => {
    rmSync(path.join(root, 'usr/lib/dracut'), { recursive: true })
    for (const m of modules) mkdirSync(path.join(root, 'usr/lib/dracut/modules.d', m), { recursive: true })
    if (version) writeFileSync(path.join(root, 'usr/lib/dracut/dracut-version.sh'), `DRACUT_VERSION=${version}\n`)
  }

  it.each([
    ['bookworm 059', '059', ['35network-legacy', '40network', '95nfs'], 'sidus.conf', 'network-legacy'],
    ['trixie 106 (dracut-ng)', '106', ['35network-legacy', '40network', '45net-lib', '95nfs'], 'sidus.conf', 'network-legacy'],
    ['bullseye 051', '051', ['35network-legacy', '40network', '95nfs'], 'sidus.conf', 'network-legacy'],
    ['buster 048', '048', ['40network', '95nfs'], 'sidus-network.conf', 'network'],
    ['stretch 044', '044', ['40network', '95nfs'], 'sidus-network.conf', 'network'],
    ['a root that hides its version, with network-legacy', undefined, ['35network-legacy', '95nfs'], 'sidus.conf', 'network-legacy'],
  ])('chooses the conf by the root\'s dracut: %s', async (_what, version, modules, file, network) => {
    dracutOf(version, modules)
    const r = await installModule(ctx, 'bookworm64')
    expect(r.dracut).toEqual({ version, network })
    expect(conf()).toBe(asset(file))
  })

  it('reads the version from the dpkg status when dracut-version.sh is not there', async () => {
    dracutOf(undefined, ['40network', '95nfs'])
    mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true })
    writeFileSync(path.join(root, 'var/lib/dpkg/status'), 'Package: dracut\nStatus: install ok installed\nVersion: 044+241-3\n\n')
    expect((await installModule(ctx, 'bookworm64')).dracut).toEqual({ version: '044', network: 'network' })
    expect(conf()).toBe(asset('sidus-network.conf'))
  })

  it('an upgraded root (stretch → buster → bullseye) gets the other conf in the same place', async () => {
    dracutOf('044', ['40network', '95nfs'])
    await installModule(ctx, 'bookworm64')
    dracutOf('051', ['35network-legacy', '40network', '95nfs'])
    const r = await installModule(ctx, 'bookworm64')
    expect(r.changed).toContain('/etc/dracut.conf.d/90-sidus.conf')
    expect(readdirSync(path.join(root, 'etc/dracut.conf.d'))).toEqual(['90-sidus.conf'])
    expect(conf()).toBe(asset('sidus.conf'))
  })

  it("module-setup.sh depends on network-legacy where the root's dracut has it, else on network", () => {
    const depends = (modules: string[]) => {
      const base = path.join(dir, `dracut-${modules.join('-')}`)
      for (const m of modules) mkdirSync(path.join(base, 'modules.d', m), { recursive: true })
      // dracut sources module-setup.sh with dracutbasedir set, then calls depends()
      return execFileSync('bash', ['-c', 'dracutbasedir=$1; . "$2"; depends', 'x', base, path.join(REPO, 'assets/dracut/90sidus/module-setup.sh')], { encoding: 'utf8' }).trim()
    }
    expect(depends(['35network-legacy', '40network', '95nfs'])).toBe('nfs network-legacy')
    expect(depends(['40network', '95nfs'])).toBe('nfs network')
  })

  it('both confs ask for the same modules and drivers but the network one and the compressor', () => {
    const lines = (f: string) => asset(f).split('\n').filter((l) => l && !l.startsWith('#'))
    const modern = lines('sidus.conf')
    const older = lines('sidus-network.conf')
    expect(modern).toContain('add_dracutmodules+=" network-legacy nfs sidus "')
    expect(older).toContain('add_dracutmodules+=" network nfs sidus "')
    expect(older).toContain('compress="xz"')
    const same = (l: string) => !/^add_dracutmodules\+=" network|^compress=/.test(l)
    expect(older.filter(same)).toEqual(modern.filter(same))
    // trixie's dracut-ng: systemd-journald depends on systemd-sysusers; omitting it drops systemd-initrd
    expect(modern.filter((l) => l.startsWith('omit_dracutmodules')).join(' ')).not.toContain('systemd-sysusers')
  })
})
