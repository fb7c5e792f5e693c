/**
 * The lab's services for real, without a client: up starts dnsmasq, rpcbind and ganesha
 * inside its own namespace; a second up after a "crash" (the record lost, the processes
 * left running) cleans them first; down stops every one of them and deletes the namespace.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

const NAMESPACE = 'sidus-lab-it'
const world = tempWorld(`lab:\n  namespace: ${NAMESPACE}\n  network: 10.213.59.0/24\n  memory_mb: 512\n`)
const env = world.env
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' })
const namespaces = () => ip('netns', 'list').split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean)
const nsPids = () => ip('netns', 'pids', NAMESPACE).split(/\s+/).filter(Boolean).map(Number)
const alive = (pid: number) => { try { process.kill(pid, 0); return true } catch { return false } }
const labDir = path.join(world.state, 'lab')

describe('lab up / down', () => {
  afterAll(async () => {
    await sidus(['lab', 'down'], { env })
    rmSync(world.dir, { recursive: true, force: true })
  })

  it('starts dnsmasq and the NFS server inside the namespace, serving DHCP, TFTP, MOUNT', async () => {
    const up = await sidus(['lab', 'up', '--json'], { env })
    expect(up.exitCode, up.all).toBe(0)
    const lab = JSON.parse(up.stdout).lab
    expect(lab.server).toBe('10.213.59.254')
    expect(namespaces()).toContain(NAMESPACE)
    const sockets = ip('netns', 'exec', NAMESPACE, 'ss', '-lntupH')
    expect(sockets).toMatch(/:67\s.*dnsmasq/)
    expect(sockets).toMatch(/10\.213\.59\.254:69\s.*dnsmasq/)
    expect(sockets).toMatch(/:2049\s.*ganesha/)
    expect(execFileSync('ip', ['netns', 'exec', NAMESPACE, 'rpcinfo', '-p', '10.213.59.254'], { encoding: 'utf8' })).toMatch(/100005\s+3\s+tcp/)
    // the renderers of `sidus server` wrote the lab's configs: its own TFTP tree, the probe export
    expect(readFileSync(path.join(labDir, 'dnsmasq.conf'), 'utf8')).toContain(`tftp-root=${labDir}/tftp`)
    expect(readFileSync(path.join(labDir, 'ganesha.conf'), 'utf8')).toContain(`Path = "${labDir}/probe"`)
    // no route out of the lab
    expect(ip('netns', 'exec', NAMESPACE, 'ip', 'route', 'show', 'default').trim()).toBe('')
    // iPXE's wait for an IPv6 router: the lab's own prefix on the bridge, advertised by dnsmasq
    // without DHCPv6 and without a default route (router lifetime 0): no IPv6 default route either
    expect(ip('netns', 'exec', NAMESPACE, 'ip', '-6', 'addr', 'show', 'dev', 'sidus-br0')).toContain('inet6 fd53:6964:7573::1/64')
    expect(readFileSync(path.join(labDir, 'dnsmasq.conf'), 'utf8')).toMatch(/^enable-ra\ndhcp-range=fd53:6964:7573::,ra-only,64\nra-param=sidus-br0,60,0$/m)
    expect(ip('netns', 'exec', NAMESPACE, 'ip', '-6', 'route', 'show', 'default').trim()).toBe('')
    await expect.poll(() => readFileSync(path.join(labDir, 'dnsmasq.log'), 'utf8'), { timeout: 15_000 }).toMatch(/RTR-ADVERT\(sidus-br0\) fd53:6964:7573::/)
  })

  it('lab run: a sidus command inside the lab\'s namespace, with the lab\'s inventory copy, its leases and the admin\'s fleet key', async () => {
    const add = await sidus(['node', 'add', 'n-lab', '52:54:00:59:00:01'], { env })
    expect(add.exitCode, add.all).toBe(0)
    // what the lab's dnsmasq would have handed the node (no client boots here)
    writeFileSync(path.join(labDir, 'dnsmasq.leases'), `${Math.floor(Date.now() / 1000) + 3600} 52:54:00:59:00:01 10.213.59.7 n-lab *\n`)
    const r = await sidus(['lab', 'run', '--', 'node', 'status', '--json', '--timeout', '3'], { env })
    expect(r.exitCode, r.all).toBe(0)
    // the lab's address for the node (its fixed fleet address is not the lab's), tried from inside the lab: nobody answers
    const node = (JSON.parse(r.stdout) as { nodes: { name: string; address: string; state: string }[] }).nodes[0]
    expect(node).toMatchObject({ name: 'n-lab', address: '10.213.59.7' })
    expect(node.state).not.toBe('up')
    expect(readFileSync(path.join(labDir, 'run.yaml'), 'utf8')).toContain(`leases: ${labDir}/dnsmasq.leases`)
    // the key create put in the roots is the admin's: linked, not copied
    expect(readlinkSync(path.join(labDir, 'state/ssh/id_ed25519'))).toBe(path.join(world.state, 'ssh/id_ed25519'))
    // the command's exit code is lab run's
    const run = await sidus(['lab', 'run', '--', 'node', 'run', 'n-lab', '--timeout', '3', '--', 'true'], { env })
    expect(run.exitCode).toBe(1)
    const none = await sidus(['lab', 'run'], { env })
    expect(none.exitCode).not.toBe(0)
    expect(none.all).toMatch(/sidus lab run -- node status/)
  })

  it('lab boot --staged --keep of an instance without a stage, or --staged over TFTP, is refused before any client starts', async () => {
    mkdirSync(path.join(world.roots, 'nostage'), { recursive: true })
    const links = ip('-n', NAMESPACE, '-o', 'link', 'show')
    const none = await sidus(['lab', 'boot', 'nostage', '--staged', '--keep'], { env })
    expect(none.exitCode).not.toBe(0)
    expect(none.all).toMatch(/nostage has no stage/)
    expect(none.all).toMatch(/sidus stage nostage/)
    mkdirSync(path.join(world.roots, '.generations/nostage/stage'), { recursive: true })
    const tftp = await sidus(['lab', 'boot', 'nostage', '--staged', '--tftp'], { env })
    expect(tftp.exitCode).not.toBe(0)
    expect(tftp.all).toMatch(/staged boot is served by sidus serve/)
    // no kept client's tap was made, no client started
    expect(ip('-n', NAMESPACE, '-o', 'link', 'show')).toBe(links)
    rmSync(path.join(world.roots, 'nostage'), { recursive: true })
    rmSync(path.join(world.roots, '.generations'), { recursive: true })
  })

  it('cleans a crashed lab on the next up', async () => {
    const before = nsPids()
    expect(before.length).toBeGreaterThanOrEqual(3)
    rmSync(path.join(labDir, 'lab.json')) // sidus died: no record, processes and namespace left
    const up = await sidus(['lab', 'up', '--json'], { env })
    expect(up.exitCode, up.all).toBe(0)
    const r = JSON.parse(up.stdout)
    expect(r.cleaned.namespace).toBe(true)
    expect(r.cleaned.pids.sort()).toEqual(before.sort())
    expect(before.some(alive)).toBe(false)
  })

  it('down stops every process of the lab and deletes the namespace', async () => {
    const pids = nsPids()
    const down = await sidus(['lab', 'down', '--json'], { env })
    expect(down.exitCode, down.all).toBe(0)
    expect(JSON.parse(down.stdout).stopped.sort()).toEqual(pids.sort())
    expect(pids.some(alive)).toBe(false)
    expect(namespaces()).not.toContain(NAMESPACE)
    const again = await sidus(['lab', 'down', '--json'], { env })
    expect(JSON.parse(again.stdout).wasUp).toBe(false)
  })

  it('boot refuses when the lab is not up', async () => {
    const r = await sidus(['lab', 'boot', 'nothere'], { env })
    expect(r.exitCode).toBe(66)
    expect(r.all).toMatch(/lab is not up|sidus lab up/)
  })
})
