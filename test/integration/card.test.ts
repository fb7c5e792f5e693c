/**
 * The four lines the project was specified by, run as written against a server with one
 * instance (a small fake root: busybox, an apt-get that records how it was called, and
 * /boot files): `sidus create stretch64`, `sidus exec -- apt-get install`, `sidus publish`,
 * `sidus master set MAC`. Then a second instance, where leaving the name out is an error
 * that lists both.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MANAGED_PATHS } from '../../src/services/index.js'
import { MANAGED_MARK } from '../../src/services/values.js'
import { makeBusyboxRoot } from '../helpers/busybox-root.js'
import { fakeInstance } from '../helpers/boot-tree.js'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'
import { mountedUnderAnywhere } from './chroot/helpers.js'

const NAME = 'bookworm64'
const KVER = '6.1.0-50-amd64'
const MAC = '52:54:00:12:34:56'
// nothing listens on port 9 (discard) of the loopback: the archive cannot be reached
const UNREACHABLE = 'http://127.0.0.1:9/debian'

const w = tempWorld(`boot:\n  console: ttyS0,115200\narchive_mirror: ${UNREACHABLE}\n`)
const env = w.env
const root = path.join(w.roots, NAME)
/** every file under the world, but the package cache shared with other tests */
const tree = (dir = w.dir): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
  const p = path.join(dir, e.name)
  if (p === w.cache) return []
  return e.isDirectory() && !e.isSymbolicLink() ? [p, ...tree(p)] : [p]
})

beforeAll(() => {
  // master set re-applies services only where `sidus server apply` installed them: not on this machine
  for (const p of Object.values(MANAGED_PATHS)) {
    if (existsSync(p) && readFileSync(p, 'utf8').includes(MANAGED_MARK)) throw new Error(`${p} is managed by sidus on this machine: the card tests would change it`)
  }
  makeBusyboxRoot(root)
  fakeInstance(w.roots, NAME, [KVER])
  // apt-get as the root sees it: records its argv and whether services are held back (policy-rc.d)
  writeFileSync(path.join(root, 'usr/sbin/apt-get'), '#!/bin/sh\necho "apt-get $*" >> /root/apt-get.log\n[ -x /usr/sbin/policy-rc.d ] && /usr/sbin/policy-rc.d x start; echo "policy-rc.d $?" >> /root/apt-get.log\necho "0 upgraded, 0 newly installed"\n')
  chmodSync(path.join(root, 'usr/sbin/apt-get'), 0o755)
})
afterAll(() => {
  if (mountedUnderAnywhere(w.dir).length === 0) rmSync(w.dir, { recursive: true, force: true })
})

describe('the card, as written, on a server with one instance', () => {
  it('sidus create stretch64: a retired release, its archive unreachable: one line, under 30 s, nothing left behind', async () => {
    const before = tree()
    const started = Date.now()
    const r = await sidus(['create', 'stretch64'], { env, timeout: 60_000 })
    const seconds = (Date.now() - started) / 1000
    console.log(`sidus create stretch64 with an unreachable archive: exit ${r.exitCode} after ${seconds.toFixed(1)} s`)
    expect(seconds).toBeLessThan(30)
    expect(r.exitCode).toBe(69)
    expect(r.stdout).toBe('')
    const [line, fix, ...rest] = r.stderr.split('\n')
    expect(line).toMatch(/^sidus: error: stretch \(Debian 9\) is retired since 2022-06-30: its archive http:\/\/127\.0\.0\.1:9\/debian cannot be reached \(.*Connection refused.*\)$/)
    expect(fix).toBe(`  fix: point archive_mirror in ${w.config} at a reachable copy of the archive, e.g. archive_mirror: file:///srv/mirror/debian-archive`)
    expect(rest.filter(Boolean)).toEqual([])
    // no root, no staging dir, no metadata, no cache dir for stretch
    expect(tree()).toEqual(before)
    expect(existsSync(path.join(w.cache, 'apt/stretch-amd64'))).toBe(false)
  }, 60_000)

  it('sidus create with an unknown codename is refused before anything is touched, listing the known ones', async () => {
    const before = tree()
    const r = await sidus(['create', 'bogus64'], { env })
    expect(r.exitCode).toBe(64)
    expect(r.stderr).toMatch(/^sidus: error: unknown Debian suite "bogus"\n {2}fix: known suites \(from \/usr\/share\/distro-info\/debian\.csv\): stretch, buster, bullseye, bookworm, trixie, .*$/)
    expect(tree()).toEqual(before)
  })

  it('sidus exec -- apt-get install: runs in the only instance, the command as typed', async () => {
    const r = await sidus(['exec', '--', 'apt-get', 'install'], { env })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain('0 upgraded, 0 newly installed')
    // policy-rc.d answered 101: no service starts inside the root while apt runs
    expect(readFileSync(path.join(root, 'root/apt-get.log'), 'utf8')).toBe('apt-get install\npolicy-rc.d 101\n')
    // flags after -- are the command's, words repeated are kept in their order
    const echo = await sidus(['exec', '--', 'echo', NAME, '-y', NAME], { env })
    // (execa strips the last newline)
    expect(echo.stdout).toBe(`${NAME} -y ${NAME}`)
    expect(mountedUnderAnywhere(root)).toEqual([])
  }, 60_000)

  it('sidus publish: the instance\'s kernel and initrd in the TFTP tree, and a menu entry', async () => {
    const r = await sidus(['publish'], { env })
    expect(r.exitCode, r.all).toBe(0)
    expect(existsSync(path.join(w.tftp, `vmlinuz-${KVER}@${NAME}`))).toBe(true)
    expect(existsSync(path.join(w.tftp, `initrd.img-${KVER}@${NAME}`))).toBe(true)
    expect(readFileSync(path.join(w.tftp, 'pxelinux.cfg/default'), 'utf8')).toContain(`vmlinuz-${KVER}@${NAME}`)
  })

  it('sidus master set MAC: that machine is the read-write master of the only instance', async () => {
    const r = await sidus(['master', 'set', MAC], { env })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain(`${MAC} (`)
    expect(r.stdout).toContain(`is the read-write master of ${NAME}`)
    const menu = readFileSync(path.join(w.tftp, 'pxelinux.cfg/01-52-54-00-12-34-56'), 'utf8')
    expect(menu).toContain('sidus=rw')
    const show = await sidus(['master', 'show', '--json'], { env })
    expect(JSON.parse(show.stdout).masters.map((m: { instance: string; mac: string }) => [m.instance, m.mac])).toEqual([[NAME, MAC]])
    // the two-argument form names the instance; a lone name is not taken for a MAC
    expect((await sidus(['master', 'set', NAME, MAC], { env })).exitCode).toBe(0)
    const lone = await sidus(['master', 'set', NAME], { env })
    expect(lone.exitCode).toBe(64)
    expect(lone.stderr.split('\n')[0]).toBe(`sidus: error: "${NAME}" is not a MAC address, and no MAC follows it`)
  })

  it('info and master unset take the only instance too', async () => {
    const info = await sidus(['info', '--json'], { env })
    expect(info.exitCode, info.all).toBe(0)
    expect(JSON.parse(info.stdout).name).toBe(NAME)
    const unset = await sidus(['master', 'unset'], { env })
    expect(unset.exitCode, unset.all).toBe(0)
    expect(unset.stdout).toBe(`${MAC} is no longer the master of ${NAME}`)
  })
})

describe('two instances', () => {
  it('with no default, leaving the name out is a one-line error listing both', async () => {
    fakeInstance(w.roots, 'trixie64', [KVER])
    for (const args of [['exec', '--', 'true'], ['master', 'set', MAC], ['info'], ['initrd', 'build'], ['shell']]) {
      const r = await sidus(args, { env })
      expect(r.exitCode, `${args.join(' ')}: ${r.all}`).toBe(64)
      expect(r.stderr).toBe('sidus: error: which instance? there are 2: bookworm64, trixie64\n'
        + '  fix: name it on the command line, or set SIDUS_INSTANCE=<name>, or default_instance: <name> in sidus.yaml')
    }
  })
  it('SIDUS_INSTANCE, then default_instance, choose; the argument wins over both', async () => {
    const viaEnv = await sidus(['exec', '--', 'cat', '/etc/resolv.conf'], { env: { ...env, SIDUS_INSTANCE: NAME } })
    expect(viaEnv.exitCode, viaEnv.all).toBe(0)
    writeFileSync(w.config, `${readFileSync(w.config, 'utf8')}default_instance: trixie64\n`)
    expect(JSON.parse((await sidus(['info', '--json'], { env })).stdout).name).toBe('trixie64')
    expect(JSON.parse((await sidus(['info', '--json'], { env: { ...env, SIDUS_INSTANCE: NAME } })).stdout).name).toBe(NAME)
    expect(JSON.parse((await sidus(['info', NAME, '--json'], { env: { ...env, SIDUS_INSTANCE: 'trixie64' } })).stdout).name).toBe(NAME)
  })
})
