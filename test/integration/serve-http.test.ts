/**
 * `sidus serve` on 127.0.0.1 (port 0) over a temp tree: every route and every refusal, the
 * one-shot boot (served once, exactly once under a race), the boot log and its rotation, and
 * `sidus events --json` through the real CLI.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { IPXE_FIRMWARE_LEASE } from '../../src/publish/cmdline.js'
import { LocalRunner } from '../../src/run/local.js'
import { eventLogFile, EventLog, parseEvent, type BootEvent } from '../../src/serve/events.js'
import { followEvents } from '../../src/serve/event-query.js'
import { setOneShotBoot } from '../../src/serve/once.js'
import { nodeStatus } from '../../src/serve/node-status.js'
import { startBootServer, type BootServer } from '../../src/serve/server.js'
import { sidus, sidusSpawn } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'
import { rawRequest } from '../helpers/raw-http.js'

const world = tempWorld('http: {port: 8470}\n')
const ctx = { config: loadConfig(world.config), runner: new LocalRunner(), log: (l: string) => logs.push(l) }
const logs: string[] = []
const KVER = '6.1.0-50-amd64'
const KERNEL = `vmlinuz-${KVER}@bookworm64`
const INITRD = `initrd.img-${KVER}@bookworm64`
const initrdBytes = randomBytes(3 * 1024 * 1024 + 17)
const N1 = '52:54:00:00:0b:01' // boots the menu
const N2 = '52:54:00:00:0b:02' // boots trixie64 (its own entry)
const STRANGER = '52:54:00:00:0b:99'
let server: BootServer

/** One raw request to the server under test (the path sent as written). */
const get = (rawPath: string, opts: { method?: string; headers?: Record<string, string> } = {}) => {
  const url = new URL(server.url)
  return rawRequest(url.hostname, url.port, rawPath, opts)
}

const events = (): BootEvent[] => readFileSync(eventLogFile(ctx.config), 'utf8').trim().split('\n').map((l) => parseEvent(l)!)

beforeAll(async () => {
  for (const i of ['bookworm64', 'trixie64']) mkdirSync(path.join(world.roots, i), { recursive: true })
  writeFileSync(path.join(world.tftp, KERNEL), randomBytes(64 * 1024))
  writeFileSync(path.join(world.tftp, INITRD), initrdBytes)
  writeFileSync(path.join(world.tftp, 'vmlinuz-6.12.9-amd64@trixie64'), randomBytes(1024))
  writeFileSync(path.join(world.tftp, 'initrd.img-6.12.9-amd64@trixie64'), randomBytes(1024))
  writeFileSync(path.join(world.tftp, 'sidus.ipxe'), '#!ipxe\nmenu SIDUS\n')
  mkdirSync(path.join(world.tftp, 'efi64'))
  symlinkSync(`../${KERNEL}`, path.join(world.tftp, 'efi64', KERNEL))
  mkdirSync(path.join(world.tftp, 'ipxe'))
  writeFileSync(path.join(world.tftp, 'ipxe', '.sidus.ipxe.sidus-1-abcd.tmp'), 'half')
  writeFileSync(path.join(world.dir, 'secret'), 'outside the tree\n')
  symlinkSync('../secret', path.join(world.tftp, 'escape-relative'))
  symlinkSync(path.join(world.dir, 'secret'), path.join(world.tftp, 'escape-absolute'))
  symlinkSync('/etc/passwd', path.join(world.tftp, 'passwd'))
  writeFileSync(path.join(world.dir, 'nodes.yaml'), `nodes:\n  n1:\n    mac: ${N1}\n  n2:\n    mac: ${N2}\n    instance: trixie64\n    extra_args: quiet\n`)
  server = await startBootServer(ctx, { address: '127.0.0.1', port: 0 })
})
afterAll(async () => {
  await server?.close()
  rmSync(world.dir, { recursive: true, force: true })
})

describe('files of the tree', () => {
  test('GET sends the file whole with its length and validators; HEAD the same headers and no body', async () => {
    const r = await get(`/${INITRD}`)
    expect(r.status).toBe(200)
    expect(r.body.equals(initrdBytes)).toBe(true)
    expect(r.headers['content-length']).toBe(String(initrdBytes.length))
    expect(r.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/)
    expect(r.headers['last-modified']).toMatch(/GMT$/)
    expect(r.headers['accept-ranges']).toBe('bytes')
    const h = await get(`/${INITRD}`, { method: 'HEAD' })
    expect(h.status).toBe(200)
    expect(h.body.length).toBe(0)
    expect(h.headers['content-length']).toBe(String(initrdBytes.length))
    expect(h.headers.etag).toBe(r.headers.etag)
  })

  test('a link inside the tree is followed (efi64/ → the root\'s kernel)', async () => {
    const r = await get(`/efi64/${KERNEL}`)
    expect(r.status).toBe(200)
    expect(r.body.length).toBe(64 * 1024)
  })

  test('Range: one range 206, suffix and open ranges, unsatisfiable 416, malformed or multiple ignored (200 whole)', async () => {
    const a = await get(`/${INITRD}`, { headers: { Range: 'bytes=10-19' } })
    expect(a.status).toBe(206)
    expect(a.body.equals(initrdBytes.subarray(10, 20))).toBe(true)
    expect(a.headers['content-range']).toBe(`bytes 10-19/${initrdBytes.length}`)
    expect(a.headers['content-length']).toBe('10')
    const s = await get(`/${INITRD}`, { headers: { Range: 'bytes=-5' } })
    expect(s.status).toBe(206)
    expect(s.body.equals(initrdBytes.subarray(initrdBytes.length - 5))).toBe(true)
    const o = await get(`/${INITRD}`, { headers: { Range: `bytes=${initrdBytes.length - 3}-` } })
    expect(o.body.equals(initrdBytes.subarray(initrdBytes.length - 3))).toBe(true)
    const u = await get(`/${INITRD}`, { headers: { Range: `bytes=${initrdBytes.length}-` } })
    expect(u.status).toBe(416)
    expect(u.headers['content-range']).toBe(`bytes */${initrdBytes.length}`)
    for (const bad of ['bytes=abc', 'bytes=5-2', 'lines=1-2', 'bytes=0-1,4-5']) {
      const m = await get(`/${INITRD}`, { method: 'HEAD', headers: { Range: bad } })
      expect(m.status, bad).toBe(200)
      expect(m.headers['content-length'], bad).toBe(String(initrdBytes.length))
    }
  })

  test('If-None-Match and If-Modified-Since → 304; another tag → 200; If-Range with another tag → whole file', async () => {
    const first = await get(`/${KERNEL}`, { method: 'HEAD' })
    const etag = first.headers.etag as string
    expect((await get(`/${KERNEL}`, { headers: { 'If-None-Match': etag } })).status).toBe(304)
    expect((await get(`/${KERNEL}`, { headers: { 'If-None-Match': `"x", ${etag}` } })).status).toBe(304)
    expect((await get(`/${KERNEL}`, { headers: { 'If-Modified-Since': first.headers['last-modified'] as string } })).status).toBe(304)
    expect((await get(`/${KERNEL}`, { method: 'HEAD', headers: { 'If-None-Match': '"other"' } })).status).toBe(200)
    expect((await get(`/${KERNEL}`, { method: 'HEAD', headers: { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' } })).status).toBe(200)
    expect((await get(`/${KERNEL}`, { method: 'HEAD', headers: { Range: 'bytes=0-9', 'If-Range': '"other"' } })).status).toBe(200)
    expect((await get(`/${KERNEL}`, { method: 'HEAD', headers: { Range: 'bytes=0-9', 'If-Range': etag } })).status).toBe(206)
  })
})

describe('refusals', () => {
  test.each([
    '/../secret', '/efi64/../../secret', '/%2e%2e/secret', '/%2E%2E/%2e%2e/etc/passwd', '/efi64/%2e%2e/%2e%2e/secret',
    '/sidus.ipxe%00.png', '/efi64\\..\\secret', '/efi64%5c..%5csecret', '/%zz', 'sidus.ipxe',
  ])('%s → 400', async (p) => {
    const r = await get(p)
    expect(r.status).toBe(400)
    expect(r.body.toString()).not.toContain('outside the tree')
  })

  test('symlinks out of the tree (relative, absolute, to /etc/passwd) → 404', async () => {
    for (const p of ['/escape-relative', '/escape-absolute', '/passwd']) {
      const r = await get(p)
      expect(r.status, p).toBe(404)
      expect(r.body.toString()).not.toMatch(/outside the tree|root:/)
    }
    expect(logs.some((l) => /escape-relative is a symlink to \.\.\/secret, outside the root/.test(l)), logs.join('\n')).toBe(true)
  })

  test('directories, the tree\'s root, missing files and hidden temp files → 404 (no listing)', async () => {
    for (const p of ['/', '/efi64', '/efi64/', '/ipxe/', '/nope', '/ipxe/.sidus.ipxe.sidus-1-abcd.tmp']) expect((await get(p)).status, p).toBe(404)
  })

  test('POST, PUT, DELETE → 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await get('/sidus.ipxe', { method })
      expect(r.status).toBe(405)
      expect(r.headers.allow).toBe('GET, HEAD')
    }
  })

  test('connections past the bound are closed unanswered', async () => {
    const small = await startBootServer(ctx, { address: '127.0.0.1', port: 0, maxConnections: 2 })
    const url = new URL(small.url)
    const open = () => new Promise<Socket>((resolve) => { const s = connect(Number(url.port), '127.0.0.1', () => resolve(s)) })
    const held = [await open(), await open()]
    await new Promise((r) => setTimeout(r, 100))
    const third = await open()
    const answer = await new Promise<string>((resolve) => {
      let got = ''
      third.on('data', (c: Buffer) => { got += c.toString() })
      third.on('close', () => resolve(got))
      third.on('error', () => resolve(got))
      third.write('GET /sidus.ipxe HTTP/1.1\r\nHost: x\r\n\r\n')
    })
    expect(answer).toBe('')
    for (const s of held) s.destroy()
    await small.close()
  })

  test('huge headers → 431', async () => {
    const r = await get('/sidus.ipxe', { headers: { 'X-Big': 'a'.repeat(20_000) } })
    expect(r.status).toBe(431)
  })
})

describe('scripts', () => {
  test('/ipxe/boot.ipxe chains the booting card\'s own script by MAC', async () => {
    const r = await get('/ipxe/boot.ipxe')
    expect(r.status).toBe(200)
    expect(r.body.toString()).toMatch(/^#!ipxe\n/)
    expect(r.body.toString()).toContain('chain /ipxe/${netX/mac:hexhyp}.ipxe')
  })

  test('an unknown MAC and a node on the menu get the default menu; a node of its own gets its entry', async () => {
    for (const mac of [STRANGER, N1, N1.replace(/:/g, '-'), N1.replace(/:/g, '')]) {
      const r = await get(`/ipxe/${mac}.ipxe`)
      expect(r.status, mac).toBe(200)
      expect(r.body.toString(), mac).toMatch(/^#!ipxe\n(#.*\n)*chain \/sidus\.ipxe\n$/)
    }
    const own = (await get(`/ipxe/${N2}.ipxe`)).body.toString()
    expect(own).toContain(`kernel /vmlinuz-6.12.9-amd64@trixie64 initrd=initrd.img-6.12.9-amd64@trixie64 ${IPXE_FIRMWARE_LEASE} root=`)
    expect(own).toContain(`${world.roots}/trixie64:`)
    expect(own).toMatch(/ quiet\n/)
    expect(own).toContain('initrd /initrd.img-6.12.9-amd64@trixie64')
    // the tree's own per-MAC file name is a file of the tree, not the script route
    expect((await get(`/ipxe/01-${N2.replace(/:/g, '-')}.ipxe`)).status).toBe(404)
  })

  test('a one-shot boot is served once, then the normal entry; rescue adds the emergency target; local exits', async () => {
    await setOneShotBoot(ctx, 'n1', { once: 'trixie64:aufs' })
    expect((await nodeStatus(ctx, 'n1')).nodes[0].override?.target).toBe('trixie64:aufs')
    // a HEAD is a check, not a boot: it leaves the one-shot boot pending
    expect((await get(`/ipxe/${N1}.ipxe`, { method: 'HEAD' })).status).toBe(200)
    expect((await nodeStatus(ctx, 'n1')).nodes[0].override?.target).toBe('trixie64:aufs')
    const once = (await get(`/ipxe/${N1}.ipxe`)).body.toString()
    expect(once).toContain('kernel /vmlinuz-6.12.9-amd64@trixie64 ')
    expect(once).toContain(' sidus=aufs')
    expect((await get(`/ipxe/${N1}.ipxe`)).body.toString()).toContain('chain /sidus.ipxe')
    expect((await nodeStatus(ctx, 'n1')).nodes[0].override).toBeUndefined()

    await setOneShotBoot(ctx, 'n2', { once: 'rescue' })
    const rescue = (await get(`/ipxe/${N2}.ipxe`)).body.toString()
    expect(rescue).toContain('@trixie64 ')
    expect(rescue).toMatch(/ quiet systemd\.unit=emergency\.target systemd\.setenv=SYSTEMD_SULOGIN_FORCE=1\n/)
    expect((await get(`/ipxe/${N2}.ipxe`)).body.toString()).not.toContain('emergency')

    await setOneShotBoot(ctx, 'n2', { once: 'local' })
    await setOneShotBoot(ctx, 'n2', { cancel: true })
    expect((await get(`/ipxe/${N2}.ipxe`)).body.toString()).not.toMatch(/^exit$/m)
    await setOneShotBoot(ctx, 'n2', { once: 'local' })
    expect((await get(`/ipxe/${N2}.ipxe`)).body.toString()).toMatch(/^exit$/m)
  })

  test('the race: two concurrent requests of the same node, exactly one gets the override (10 rounds)', async () => {
    for (let round = 0; round < 10; round++) {
      await setOneShotBoot(ctx, 'n1', { once: 'trixie64' })
      const answers = await Promise.all([get(`/ipxe/${N1}.ipxe`), get(`/ipxe/${N1}.ipxe`), get(`/ipxe/${N1.replace(/:/g, '-')}.ipxe`)])
      const got = answers.map((a) => a.body.toString().includes('@trixie64'))
      expect(got.filter(Boolean), `round ${round}`).toHaveLength(1)
    }
    expect(readdirSync(path.join(world.state, 'overrides')).filter((f) => f.startsWith('n1') || f.startsWith('.claimed'))).toEqual([])
  })

  test('a change of nodes.yaml is seen by the next request (the boot view is reread when its sources change)', async () => {
    const file = path.join(world.dir, 'nodes.yaml')
    const before = readFileSync(file, 'utf8')
    expect((await get(`/ipxe/${N1}.ipxe`)).body.toString()).toContain('chain /sidus.ipxe')
    writeFileSync(file, before.replace(`mac: ${N1}\n`, `mac: ${N1}\n    instance: trixie64\n`))
    expect((await get(`/ipxe/${N1}.ipxe`)).body.toString()).toContain('kernel /vmlinuz-6.12.9-amd64@trixie64 ')
    writeFileSync(file, before)
    expect((await get(`/ipxe/${N1}.ipxe`)).body.toString()).toContain('chain /sidus.ipxe')
  })

  test('a master\'s MAC gets its read-write entry, and takes no one-shot boot: refused, nothing written', async () => {
    const masters = path.join(world.state, 'masters.yaml')
    writeFileSync(masters, `masters:\n  bookworm64: {instance: bookworm64, mac: '${N1}', since: '2026-01-01'}\n`)
    try {
      await expect(setOneShotBoot(ctx, 'n[1-2]', { once: 'rescue' })).rejects.toThrow(/n1 is the master of bookworm64/)
      expect((await nodeStatus(ctx, 'n[1-2]')).nodes.map((n) => n.override)).toEqual([undefined, undefined])
      // its script is the master's read-write entry
      const own = (await get(`/ipxe/${N1}.ipxe`)).body.toString()
      expect(own).toContain(`kernel /${KERNEL} `)
      expect(own).toContain(' sidus=rw')
    } finally {
      rmSync(masters)
    }
  })

  test('an unknown instance as target is refused with the fix, nothing written', async () => {
    await expect(setOneShotBoot(ctx, 'n1', { once: 'sid64' })).rejects.toThrow(/unknown instance sid64/)
    await expect(setOneShotBoot(ctx, 'n1', { once: 'trixie64:rw' })).rejects.toThrow(/not one of overlay, aufs/)
    expect((await nodeStatus(ctx, 'n1')).nodes[0].override).toBeUndefined()
  })
})

describe('boot events', () => {
  test('scripts and files are logged with the MAC, node and instance; files attributed to the address that fetched the script', async () => {
    await get(`/ipxe/${N2}.ipxe`)
    await get('/vmlinuz-6.12.9-amd64@trixie64')
    await get('/initrd.img-6.12.9-amd64@trixie64', { method: 'HEAD' })
    await new Promise((r) => setTimeout(r, 100))
    const log = events()
    const [script, kernel, initrd] = log.slice(-3)
    expect(script).toMatchObject({ mac: N2, node: 'n2', instance: 'trixie64', what: `/ipxe/${N2}.ipxe`, kind: 'script', status: 200, remote: '127.0.0.1' })
    expect(kernel).toMatchObject({ mac: N2, node: 'n2', instance: 'trixie64', kind: 'kernel', status: 200, bytes: 1024 })
    expect(initrd).toMatchObject({ node: 'n2', kind: 'initrd', bytes: 0 })
    expect(new Date(script.time).toISOString()).toBe(script.time)
    expect(log.some((e) => e.status === 400 && e.kind === 'file')).toBe(true)
    const status = await nodeStatus(ctx)
    expect(status.nodes.find((n) => n.name === 'n2')!.lastBoot).toMatchObject({ instance: 'trixie64', time: script.time })
  })

  test('the log rotates by size: boot.log → boot.log.1 …, a few kept, every line whole', async () => {
    const dir = path.join(world.dir, 'rotate')
    const file = path.join(dir, 'boot.log')
    const log = new EventLog(file, 1000, 3)
    const e = (i: number): BootEvent => ({ time: new Date(0).toISOString(), mac: null, node: `x${i}`, instance: null, what: '/f', kind: 'file', remote: '127.0.0.1', status: 200, bytes: i })
    await Promise.all(Array.from({ length: 60 }, (_, i) => log.append(e(i))))
    await log.close()
    expect(readdirSync(dir).sort()).toEqual(['boot.log', 'boot.log.1', 'boot.log.2', 'boot.log.3'])
    const lines = ['boot.log.3', 'boot.log.2', 'boot.log.1', 'boot.log'].flatMap((f) => readFileSync(path.join(dir, f), 'utf8').trim().split('\n'))
    for (const f of readdirSync(dir)) expect(readFileSync(path.join(dir, f)).length).toBeLessThanOrEqual(1000)
    const kept = lines.map((l) => parseEvent(l)!.bytes)
    // the newest lines are kept in order, the oldest dropped with the oldest file
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 60 - kept.length + i))
    expect(kept.at(-1)).toBe(59)
  })

  test('following the log goes on across a rotation, and stops on the signal', async () => {
    const config = structuredClone(ctx.config)
    config.paths.state = path.join(world.dir, 'follow-state')
    const file = eventLogFile(config)
    const log = new EventLog(file, 600, 2)
    const e = (i: number): BootEvent => ({ time: new Date(0).toISOString(), mac: null, node: null, instance: null, what: `/f${i}`, kind: 'file', remote: '127.0.0.1', status: 200, bytes: i })
    await log.append(e(0))
    const stop = new AbortController()
    const seen: number[] = []
    const following = followEvents({ config, signal: stop.signal }, { last: 1 }, (ev) => seen.push(ev.bytes), 50)
    await new Promise((r) => setTimeout(r, 100))
    expect(seen).toEqual([0])
    for (let i = 1; i <= 12; i++) {
      await log.append(e(i))
      // in bursts of three: a rotation falls between two polls, the old file's tail is read still
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 150))
    }
    await log.close()
    await new Promise((r) => setTimeout(r, 150))
    stop.abort()
    const followed = await following
    expect(seen).toEqual(Array.from({ length: 13 }, (_, i) => i))
    expect(followed).toBe(13)
    expect(seen).toEqual(Array.from({ length: 13 }, (_, i) => i))
    expect(readdirSync(path.dirname(file))).toContain('boot.log.1')
  })

  test('sidus events --json (the CLI) lists them; --node keeps one node\'s; node list --json has the last boot', async () => {
    const r = await sidus(['events', '--json', '-n', '5'], { env: world.env })
    expect(r.exitCode, r.all).toBe(0)
    const out = JSON.parse(r.stdout) as { events: BootEvent[] }
    expect(out.events).toHaveLength(5)
    expect(out.events.at(-1)!.kind).toBe('initrd')
    const n2 = JSON.parse((await sidus(['events', '--json', '--node', 'n2', '-n', '1000'], { env: world.env })).stdout) as { events: BootEvent[] }
    expect(n2.events.length).toBeGreaterThan(3)
    expect(n2.events.every((e) => e.node === 'n2')).toBe(true)
    const text = await sidus(['events', '-n', '2'], { env: world.env })
    expect(text.stdout).toMatch(/n2 +200 +initrd/)
    const list = JSON.parse((await sidus(['node', 'list', '--json'], { env: world.env })).stdout) as { nodes: { name: string; lastBoot?: { instance: string } }[] }
    expect(list.nodes.find((n) => n.name === 'n2')!.lastBoot!.instance).toBe('trixie64')
    const table = await sidus(['node', 'list'], { env: world.env })
    expect(table.stdout).toMatch(/LAST BOOT/)
    expect(table.stdout).toMatch(/n2 .* \d{4}-\d\d-\d\d \d\d:\d\d:\d\d trixie64/)
  })

  test('sidus node boot --once / --cancel through the CLI: refused target with its fix, pending in node show, cancelled', async () => {
    const bad = await sidus(['node', 'boot', 'n1', '--once', 'sid64'], { env: world.env })
    expect(bad.exitCode).toBe(66)
    expect(bad.stderr).toMatch(/unknown instance sid64[\s\S]*fix: instances: bookworm64, trixie64/)
    const set = await sidus(['node', 'boot', 'n1', '--once', 'local'], { env: world.env })
    expect(set.exitCode, set.all).toBe(0)
    expect(set.stdout).toContain('n1 will boot local once')
    expect((await sidus(['node', 'show', 'n1'], { env: world.env })).stdout).toMatch(/boot once +local +\(pending since /)
    const cancel = await sidus(['node', 'boot', 'n1', '--cancel'], { env: world.env })
    expect(cancel.stdout).toContain('cancelled the one-shot boot of n1')
    expect((await sidus(['node', 'show', 'n1'], { env: world.env })).stdout).not.toMatch(/boot once/)
  })
})

describe('sidus serve (the CLI)', () => {
  test('prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const child = sidusSpawn(['serve', '--address', '127.0.0.1', '--port', '0'], { env: world.env })
    const url = await new Promise<string>((resolve, reject) => {
      let seen = ''
      child.stdout!.on('data', (c: Buffer) => {
        seen += c.toString()
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen)
        if (m) resolve(m[1])
      })
      child.catch(reject)
    })
    const r = await fetch(`${url}/sidus.ipxe`)
    expect(r.status).toBe(200)
    expect(await r.text()).toContain('menu SIDUS')
    child.kill('SIGTERM')
    const done = await child
    expect(done.exitCode, String(done.all)).toBe(0)
  })
})
