/**
 * http.static nginx: the site `sidus server render` writes, run by Debian's nginx on 127.0.0.1 (a
 * temp nginx.conf around it, not the system service), with `sidus serve` behind it on loopback as
 * its unit would start it: nginx -t accepts the site, nginx sends the tree's files (whole, by range,
 * HEAD), refuses traversal, a symlink out, a listing and other methods, and passes /ipxe/ to sidus
 * serve, whose boot log names the booting client's address (not nginx's).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { eventLogFile, parseEvent } from '../../src/serve/events.js'
import { sidus, sidusSpawn } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'
import { rawRequest } from '../helpers/raw-http.js'

/** a port free on 127.0.0.1 now */
const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number }
    s.close(() => resolve(port))
  }).on('error', reject)
})
const PORT = await freePort()
const SERVE_PORT = await freePort()
const world = tempWorld(`server: {address: 127.0.0.1, network: 127.0.0.0/8}\nhttp: {port: ${PORT}, static: nginx, serve_port: ${SERVE_PORT}}\n`)
const KERNEL = 'vmlinuz-6.1.0-50-amd64@bookworm64'
const kernelBytes = randomBytes(2 * 1024 * 1024 + 5)
const MAC = '52:54:00:00:0c:01'
const nginxDir = path.join(world.dir, 'nginx')
const site = path.join(world.dir, 'rendered/etc/nginx/conf.d/sidus.conf')
const children: ChildProcess[] = []

/** One raw request to nginx (the path sent as written), from `from` (a loopback address) */
const get = (rawPath: string, opts: { method?: string; headers?: Record<string, string>; from?: string } = {}) => rawRequest('127.0.0.1', PORT, rawPath, opts)

/** wait until something answers on 127.0.0.1:port */
async function answering(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', method: 'HEAD', agent: false }, (res) => { res.resume(); resolve(true) })
      req.on('error', () => resolve(false))
      req.end()
    })
    if (up) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`nothing answers on port ${port}`)
}

beforeAll(async () => {
  // nginx's workers are not root: the tree must be readable by others, as a TFTP tree is
  chmodSync(world.dir, 0o755)
  mkdirSync(path.join(world.roots, 'bookworm64'), { recursive: true })
  writeFileSync(path.join(world.tftp, KERNEL), kernelBytes)
  writeFileSync(path.join(world.tftp, 'initrd.img-6.1.0-50-amd64@bookworm64'), randomBytes(1024))
  writeFileSync(path.join(world.tftp, 'sidus.ipxe'), '#!ipxe\nmenu SIDUS\n')
  mkdirSync(path.join(world.tftp, 'efi64'))
  writeFileSync(path.join(world.dir, 'secret'), 'outside the tree\n')
  symlinkSync(path.join(world.dir, 'secret'), path.join(world.tftp, 'escape-absolute'))
  symlinkSync('../secret', path.join(world.tftp, 'escape-relative'))
  writeFileSync(path.join(world.dir, 'nodes.yaml'), `nodes:\n  n1:\n    mac: ${MAC}\n`)

  const rendered = await sidus(['server', 'render', '--out', path.join(world.dir, 'rendered')], { env: world.env })
  expect(rendered.exitCode, rendered.all).toBe(0)
  mkdirSync(nginxDir)
  writeFileSync(path.join(nginxDir, 'nginx.conf'), [
    'daemon off;', 'worker_processes 1;', `pid ${nginxDir}/nginx.pid;`, `error_log ${nginxDir}/error.log;`, 'events { worker_connections 64; }',
    'http {', ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${nginxDir}/${t};`), `  include ${site};`, '}', '',
  ].join('\n'))
  const nginx = spawn('nginx', ['-c', path.join(nginxDir, 'nginx.conf'), '-p', nginxDir], { stdio: 'ignore' })
  children.push(nginx)
  // sidus serve as its unit starts it: the unit's own arguments
  const execStart = /^ExecStart=\S+ \S+ (serve .*)$/m.exec(readFileSync(path.join(world.dir, 'rendered/etc/systemd/system/sidus-serve.service'), 'utf8'))![1]
  const serve = sidusSpawn(execStart.split(' '), { env: world.env })
  children.push(serve)
  await answering(PORT)
  await answering(SERVE_PORT)
}, 60_000)

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 300))
  rmSync(world.dir, { recursive: true, force: true })
})

describe('http.static nginx: the rendered site under Debian\'s nginx', () => {
  test('the site and the unit: nginx on server.address:http.port over the tree, sidus serve on loopback behind it; nginx -t accepts it', () => {
    const text = readFileSync(site, 'utf8')
    expect(text).toContain(`listen 127.0.0.1:${PORT};`)
    expect(text).toContain(`root ${world.tftp};`)
    expect(text).toContain('disable_symlinks on;')
    expect(text).toContain(`proxy_pass http://127.0.0.1:${SERVE_PORT};`)
    expect(readFileSync(path.join(world.dir, 'rendered/etc/systemd/system/sidus-serve.service'), 'utf8')).toMatch(new RegExp(`serve --address 127\\.0\\.0\\.1 --port ${SERVE_PORT}$`, 'm'))
    const checked = execFileSync('nginx', ['-t', '-c', path.join(nginxDir, 'nginx.conf'), '-p', nginxDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    expect(checked).toBe('')
  })

  test('files from nginx: whole, one range, HEAD', async () => {
    const whole = await get(`/${KERNEL.replace('@', '%40')}`)
    expect(whole.status).toBe(200)
    expect(whole.body.equals(kernelBytes)).toBe(true)
    expect(whole.headers.server).toMatch(/^nginx/)
    const range = await get(`/${KERNEL}`, { headers: { Range: 'bytes=100-199' } })
    expect(range.status).toBe(206)
    expect(range.headers['content-range']).toBe(`bytes 100-199/${kernelBytes.length}`)
    expect(range.body.equals(kernelBytes.subarray(100, 200))).toBe(true)
    const head = await get(`/${KERNEL}`, { method: 'HEAD' })
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(kernelBytes.length), 0])
  })

  test('refusals: traversal, symlinks out of the tree, a directory, other methods', async () => {
    for (const p of ['/../secret', '/%2e%2e/secret', '/efi64/../../secret']) {
      const r = await get(p)
      expect([400, 403, 404], p).toContain(r.status)
      expect(r.body.toString()).not.toContain('outside the tree')
    }
    for (const p of ['/escape-absolute', '/escape-relative']) {
      const r = await get(p)
      expect(r.status, p).toBe(403)
      expect(r.body.toString()).not.toContain('outside the tree')
    }
    expect((await get('/efi64/')).status).toBe(403)
    expect((await get(`/${KERNEL}`, { method: 'POST' })).status).toBe(405)
    expect((await get(`/${KERNEL}`, { method: 'DELETE' })).status).toBe(405)
  })

  test('/ipxe/ goes to sidus serve: the node\'s script, recorded with the booting client\'s address', async () => {
    const r = await get(`/ipxe/${MAC.replace(/:/g, '-')}.ipxe`, { from: '127.0.0.2' })
    expect(r.status).toBe(200)
    expect(r.body.toString()).toMatch(/^#!ipxe/)
    const config = loadConfig(world.config)
    const last = readFileSync(eventLogFile(config), 'utf8').trim().split('\n').map((l) => parseEvent(l)!).pop()!
    expect(last).toMatchObject({ what: `/ipxe/${MAC.replace(/:/g, '-')}.ipxe`, node: 'n1', mac: MAC, remote: '127.0.0.2', status: 200, kind: 'script' })
  })
})
