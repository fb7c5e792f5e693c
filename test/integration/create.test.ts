import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sidus, sidusSpawn } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'
import { execa } from 'execa'

/**
 * Real creates with mmdebstrap against the server's own mirror. The package cache is
 * shared with the other end-to-end tests (SIDUS_TEST_CACHE, default /var/cache/sidus)
 * so CI downloads each .deb once.
 */
const cache = process.env.SIDUS_TEST_CACHE ?? '/var/cache/sidus'
mkdirSync(cache, { recursive: true })
const world = tempWorld(`# test world\n`, '/var/tmp')
// the cache is the shared one: rewrite the config's cache path
writeFileSync(world.config, readFileSync(world.config, 'utf8').replace(/cache: .*/, `cache: ${cache}`))

afterAll(async () => {
  await execa('rm', ['-rf', '--one-file-system', world.dir], { reject: false })
})

function leftovers(): string[] {
  return readdirSync(world.roots)
}

describe('sidus create (real mmdebstrap)', () => {
  it('builds a minimal bookworm root that netboots', { timeout: 1_500_000 }, async () => {
    const r = await sidus(['create', 'bookworm64', '--profile', 'minimal', '--json'], { env: world.env, timeout: 1_500_000 })
    expect(r.exitCode, r.all).toBe(0)
    const result = JSON.parse(r.stdout)
    const root = path.join(world.roots, 'bookworm64')
    expect(result.root).toBe(root)
    const boot = readdirSync(path.join(root, 'boot'))
    const kernel = boot.find((f) => f.startsWith('vmlinuz-'))
    expect(kernel, boot.join(' ')).toBeDefined()
    const kver = kernel!.slice('vmlinuz-'.length)
    expect(boot).toContain(`initrd.img-${kver}`)
    expect(statSync(path.join(root, 'boot', `initrd.img-${kver}`)).size).toBeGreaterThan(1_000_000)
    expect(existsSync(path.join(root, 'etc/hostname'))).toBe(false)
    expect(readFileSync(path.join(root, 'usr/sbin/policy-rc.d'), 'utf8')).toMatch(/exit 101/)
    expect(statSync(path.join(root, 'usr/sbin/policy-rc.d')).mode & 0o111).not.toBe(0)
    const shadowRoot = readFileSync(path.join(root, 'etc/shadow'), 'utf8').split('\n').find((l) => l.startsWith('root:'))!
    expect(shadowRoot.split(':')[1]).toMatch(/^[!*]/)
    expect(readFileSync(path.join(root, 'etc/network/interfaces'), 'utf8')).toMatch(/iface lo inet loopback/)
    const ifaces = readFileSync(path.join(root, 'etc/network/interfaces'), 'utf8').split('\n').filter((l) => /^(auto|allow-|iface)/.test(l))
    expect(ifaces).toEqual(['auto lo', 'iface lo inet loopback'])
    expect(readFileSync(path.join(root, 'etc/fstab'), 'utf8')).toMatch(/:\/home \/home nfs /)
    expect(result.initrds.length).toBeGreaterThan(0)
    process.stdout.write(`create #1: ${result.seconds} s, downloaded ${result.downloadedBytes} bytes, cache held ${result.cachedBytes} bytes before\n`)
    // list and info see it
    const list = JSON.parse((await sidus(['list', '--json'], { env: world.env })).stdout)
    expect(list.instances.map((i: { name: string }) => i.name)).toEqual(['bookworm64'])
    const info = JSON.parse((await sidus(['info', 'bookworm64', '--json'], { env: world.env })).stdout)
    expect(info).toMatchObject({ name: 'bookworm64', suite: 'bookworm', arch: 'amd64', origin: 'sidus', profile: 'minimal' })
    expect(info.packages).toBeGreaterThan(100)
    expect(info.kernels[0].version).toBe(kver)
    expect(leftovers()).toEqual(['bookworm64'])
  })

  it('a second create of another name reuses the package cache', { timeout: 1_500_000 }, async () => {
    const r = await sidus(['create', 'second', '--suite', 'bookworm', '--profile', 'minimal', '--json'], { env: world.env, timeout: 1_500_000 })
    expect(r.exitCode, r.all).toBe(0)
    const result = JSON.parse(r.stdout)
    process.stdout.write(`create #2 (warm cache): ${result.seconds} s, downloaded ${result.downloadedBytes} bytes of .debs, cache held ${result.cachedBytes} bytes\n`)
    // the same package set: every .deb comes from the cache
    expect(result.cachedBytes).toBeGreaterThan(50_000_000)
    expect(result.downloadedBytes).toBeLessThan(result.cachedBytes / 20)
    expect(existsSync(path.join(world.roots, 'second/boot'))).toBe(true)
  })

  it('refuses an existing instance and touches nothing', async () => {
    const before = statSync(path.join(world.roots, 'second')).mtimeMs
    const r = await sidus(['create', 'second', '--suite', 'bookworm'], { env: world.env })
    expect(r.exitCode).toBe(73)
    expect(r.stderr).toMatch(/instance second already exists/)
    expect(statSync(path.join(world.roots, 'second')).mtimeMs).toBe(before)
  })

  it('a failing create (unreachable mirror) leaves nothing behind', { timeout: 300_000 }, async () => {
    const r = await sidus(['create', 'broken', '--suite', 'bookworm', '--mirror', 'http://127.0.0.1:9/debian'], { env: world.env, timeout: 300_000 })
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr).toMatch(/mmdebstrap/)
    expect(leftovers().sort()).toEqual(['bookworm64', 'second'])
    expect(existsSync(path.join(world.state, 'instances/broken.yaml'))).toBe(false)
  })

  it('Ctrl-C during create removes the half-built root', { timeout: 300_000 }, async () => {
    const child = sidusSpawn(['create', 'cancelled', '--suite', 'bookworm', '--profile', 'minimal'], { env: world.env })
    // wait for the staging directory to appear, then interrupt
    const deadline = Date.now() + 120_000
    while (!leftovers().some((e) => e.startsWith('.cancelled.')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect(leftovers().some((e) => e.startsWith('.cancelled.'))).toBe(true)
    await new Promise((r) => setTimeout(r, 3000))
    child.kill('SIGINT')
    const r = await child
    expect(r.exitCode).toBe(130)
    expect(leftovers().sort()).toEqual(['bookworm64', 'second'])
  })

  it('refuses bad names before touching anything', async () => {
    for (const name of ['../x', 'a b', 'Upper64', 'été64']) {
      const r = await sidus(['create', name], { env: world.env })
      expect(r.exitCode, name).toBe(64)
      expect(r.stderr).toMatch(/invalid instance name/)
    }
    expect(leftovers().sort()).toEqual(['bookworm64', 'second'])
  })

  it('delete removes the root and refuses without --force off a terminal', async () => {
    const refused = await sidus(['delete', 'second'], { env: world.env })
    expect(refused.exitCode).toBe(64)
    expect(refused.stderr).toMatch(/--force/)
    expect(existsSync(path.join(world.roots, 'second'))).toBe(true)
    const r = await sidus(['delete', 'second', '--force', '--json'], { env: world.env })
    expect(r.exitCode, r.all).toBe(0)
    expect(leftovers()).toEqual(['bookworm64'])
    expect(existsSync(path.join(world.state, 'instances/second.yaml'))).toBe(false)
  })
})
