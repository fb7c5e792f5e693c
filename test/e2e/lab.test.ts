/**
 * The CI end-to-end path: create a minimal bookworm root and a trixie one (Debian 13, dracut-ng,
 * the node profile: sshd and the fleet key), publish them, bring the lab up, PXE-boot QEMU clients
 * (bookworm: BIOS overlay, the master read-write, UEFI; trixie: a node once into rescue, then on the overlay) with every check
 * passing and their timings printed; iPXE over HTTP from sidus serve by default, the master over
 * TFTP (--tftp, pxelinux). Then the fleet on trixie64: two nodes kept running, talked to over SSH
 * (lab run -- node …), a stage with a package boot-tested, promoted under them, a rolling reboot
 * onto it, a rollback. Then take the lab down and find the host's network as it was.
 * Everything networked happens inside the lab's own namespace (no route out).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'
import { readDisklessMasks } from '../../src/bootstrap/diskless-masks.js'
import type { ClientAnalyze } from '../../src/lab/console.js'

const NAME = 'e2e64'
// as the card writes it: the suite from the name
const TRIXIE = 'trixie64'
const MASTER_MAC = '52:54:00:e2:e0:02'
// a node of the inventory that boots trixie64 through its own per-MAC files
const NODE = { name: 'n-trixie', mac: '52:54:00:e2:e0:07' }
// a second node on trixie64: the fleet story keeps both running
const NODE_B = { name: 'n-trixie-b', mac: '52:54:00:e2:e0:08' }
const NODES = `${NODE.name},${NODE_B.name}`
// a small package neither profile has: what the stage adds
const PKG = 'hello'
const NAMESPACE = 'sidus-lab-e2e'
const MIN = 60_000

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' })
// the host's links without their counters or state flags that change on their own
const hostLinks = () => ip('-o', 'link', 'show').split('\n').map((l) => l.split(/\s+/).slice(1, 2).join(' ')).filter(Boolean).sort()
const namespaces = () => ip('netns', 'list').split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean).sort()

if (!process.env.SIDUS_TEST_CACHE && existsSync('/var/cache/sidus')) process.env.SIDUS_TEST_CACHE = '/var/cache/sidus'
const world = tempWorld(`lab:\n  namespace: ${NAMESPACE}\n  network: 10.213.58.0/24\n  memory_mb: 1024\n`, '/var/tmp')
const env = world.env

interface BootJson { kept?: { mac: string; node?: string; instance: string }; ok: boolean; once?: string; mode: string; firmware: string; bytes: { tftp: number; http?: number; nfs?: number }; leases: number; client: { hostname?: string; codename?: string; analyze?: ClientAnalyze; units?: Record<string, string> }; checks: { name: string; ok: boolean; detail: string }[]; timings: Record<string, number>; consoleTail?: string; consoleLog: string }
async function boot(args: string[], name = NAME): Promise<BootJson> {
  const r = await sidus(['lab', 'boot', name, '--json', '--timeout', '900', ...args], { env, timeout: 20 * MIN })
  const result = JSON.parse(r.stdout) as BootJson
  console.log(`lab boot ${name} ${args.join(' ')}: ${result.mode} ${result.firmware}, timings ${JSON.stringify(result.timings)}, bytes ${JSON.stringify(result.bytes)}, DHCP leases ${result.leases}`)
  // the client's own view: systemd-analyze time, the top of its critical chain and blame
  console.log(`  client systemd-analyze: ${JSON.stringify(result.client.analyze)}`)
  // on failure the report says which check and shows the console's end
  if (!result.ok) console.error(JSON.stringify(result.checks, null, 2), result.consoleTail, result.consoleLog)
  return result
}
/** a sidus command run in the lab (lab run), against its clients */
const labRun = (args: string[], timeout = 5 * MIN) => sidus(['lab', 'run', '--', ...args], { env, timeout })
interface StatusJson { live: { instance: string; generation: number }[]; nodes: { name: string; state: string; boot: string; probe?: { generation: number } }[] }
async function status(): Promise<StatusJson> {
  const r = await labRun(['node', 'status', NODES, '--json', '--timeout', '60'])
  expect(r.exitCode, r.all).toBe(0)
  const s = JSON.parse(r.stdout) as StatusJson
  console.log(`node status: ${s.nodes.map((n) => `${n.name} ${n.state} ${n.boot} gen ${n.probe?.generation ?? '-'}`).join('; ')}`)
  return s
}
const passed = (r: BootJson) => r.checks.filter((c) => c.ok).map((c) => c.name)
// the client's view of its boot time came back, split as systemd sees it
const expectAnalyze = (r: BootJson) => {
  // no initrd figure: our initrd runs dracut's shell init, not systemd, so systemd counts it in the kernel's time
  expect(r.client.analyze?.startup, r.client.analyze?.summary).toMatchObject({ kernel: expect.any(Number), userspace: expect.any(Number) })
  expect(r.client.analyze?.chain[0]?.unit).toBe('multi-user.target')
  expect(r.client.analyze?.blame.length).toBeGreaterThan(0)
}
// the units of the diskless list, by their state on the client: masked, or not (optional ones may be absent)
const maskStates = async (r: BootJson) => {
  const masks = await readDisklessMasks()
  const states = masks.map((m) => [m.unit, r.client.units?.[m.unit]] as const)
  return { required: states.filter(([u]) => !masks.find((m) => m.unit === u)!.optional), all: states }
}
/** every check of an HTTP boot (the default) and of a TFTP one (--tftp) */
const HTTP_CHECKS = ['dhcp', 'http', 'root', 'write', 'login']
const TFTP_CHECKS = ['dhcp', 'tftp', 'root', 'write', 'login']
/** a one-shot rescue boot ends in emergency.target with a root shell, not at a login prompt */
const RESCUE_CHECKS = ['dhcp', 'http', 'root', 'write', 'rescue']
/** the published kernel and initrd of an instance, in bytes */
const bootBytes = (name: string) => readdirSync(world.tftp).filter((f) => /^(vmlinuz|initrd\.img)-/.test(f) && f.endsWith(`@${name}`)).reduce((n, f) => n + statSync(`${world.tftp}/${f}`).size, 0)
/** what an iPXE client with a virtio NIC pulls: the kernel, the split initrd's base and the piece of PCI vendor 1af4 */
const splitBootBytes = (name: string) => {
  const kernel = readdirSync(world.tftp).find((f) => f.startsWith('vmlinuz-') && f.endsWith(`@${name}`))!
  const dir = `${world.tftp}/nics/${kernel.slice('vmlinuz-'.length)}`
  return statSync(`${world.tftp}/${kernel}`).size + statSync(`${dir}/base.img`).size + statSync(`${dir}/pci-1af4.img`).size
}
/** the HTTP check says the client pulled the split initrd's base and its virtio NIC's piece, not the whole initrd */
const expectSplitInitrd = (r: BootJson) => {
  const detail = r.checks.find((c) => c.name === 'http')?.detail ?? ''
  expect(detail).toMatch(/nics\/[^ ]+\/base\.img \+ nics\/[^ ]+\/pci-1af4\.img/)
  expect(detail).not.toContain('initrd.img-')
}

describe('the lab, end to end', () => {
  let linksBefore: string[]
  let namespacesBefore: string[]

  beforeAll(() => {
    linksBefore = hostLinks()
    namespacesBefore = namespaces()
  })

  afterAll(async () => {
    await sidus(['lab', 'down'], { env })
    rmSync(world.dir, { recursive: true, force: true })
  }, 5 * MIN)

  it('creates and publishes a minimal bookworm root', async () => {
    const created = await sidus(['create', NAME, '--suite', 'bookworm', '--profile', 'minimal'], { env, timeout: 40 * MIN })
    expect(created.exitCode, created.all).toBe(0)
    const published = await sidus(['publish', NAME], { env })
    expect(published.exitCode, published.all).toBe(0)
    expect(readdirSync(world.tftp).some((f) => f.startsWith('initrd.img-') && f.endsWith(`@${NAME}`))).toBe(true)
  }, 45 * MIN)

  it('creates trixie64 as the card writes it (Debian 13, its dracut-ng) and publishes it', async () => {
    const started = Date.now()
    const created = await sidus(['create', TRIXIE, '--profile', 'node', '--json'], { env, timeout: 40 * MIN })
    expect(created.exitCode, created.all).toBe(0)
    const result = JSON.parse(created.stdout) as { suite: string; status: string; initrds: { bytes: number }[] }
    expect(result).toMatchObject({ suite: 'trixie', status: 'current' })
    console.log(`create ${TRIXIE}: ${Math.round((Date.now() - started) / 1000)} s, initrd ${result.initrds.map((i) => i.bytes).join(', ')} bytes`)
    // the conf for a dracut with network-legacy went in
    expect(readFileSync(`${world.roots}/${TRIXIE}/etc/dracut.conf.d/90-sidus.conf`, 'utf8')).toContain('add_dracutmodules+=" network-legacy nfs sidus "')
    const published = await sidus(['publish'], { env })
    expect(published.exitCode, published.all).toBe(0)
    expect(readdirSync(world.tftp).some((f) => f.startsWith('initrd.img-') && f.endsWith(`@${TRIXIE}`))).toBe(true)
  }, 45 * MIN)

  it('brings the lab up inside its own namespace, with no route out', async () => {
    const up = await sidus(['lab', 'up', '--json'], { env })
    expect(up.exitCode, up.all).toBe(0)
    expect(namespaces()).toContain(NAMESPACE)
    expect(ip('-n', NAMESPACE, 'route', 'show').trim()).toBe(`10.213.58.0/24 dev sidus-br0 proto kernel scope link src 10.213.58.254`)
    // no interface of the lab's appears on the host
    expect(hostLinks()).toEqual(linksBefore)
  }, 2 * MIN)

  it('puts two nodes on trixie64 in the inventory: their own per-MAC files boot trixie64, the menu stays on bookworm', async () => {
    for (const n of [NODE, NODE_B]) {
      const add = await sidus(['node', 'add', n.name, n.mac, '--instance', TRIXIE], { env })
      expect(add.exitCode, add.all).toBe(0)
    }
    const pxelinux = readFileSync(`${world.tftp}/pxelinux.cfg/01-${NODE.mac.replace(/:/g, '-')}`, 'utf8')
    expect(pxelinux).toContain(`@${TRIXIE}`)
    expect(readFileSync(`${world.tftp}/pxelinux.cfg/default`, 'utf8')).toMatch(new RegExp(`DEFAULT ${NAME}-overlay`))
  })

  it('boots a BIOS client off the inventory on the overlay over HTTP: the default menu, bookworm; every check passes, TFTP carried iPXE at most', async () => {
    const r = await boot([])
    expect(r.mode).toBe('overlay')
    expect(passed(r)).toEqual(HTTP_CHECKS)
    // the kernel and initrd came from sidus serve (plus its few scripts), TFTP carried iPXE (undionly.kpxe) at most;
    // iPXE chose the initrd's piece by its NIC's PCI vendor (virtio, 1af4): base + that piece, not the whole initrd
    expectSplitInitrd(r)
    const kernelInitrd = splitBootBytes(NAME)
    expect(r.bytes.http).toBeGreaterThanOrEqual(kernelInitrd)
    expect(r.bytes.http).toBeLessThan(kernelInitrd + 64 * 1024)
    expect(kernelInitrd).toBeLessThan(bootBytes(NAME) - 3 * 1024 * 1024)
    expect(r.bytes.tftp).toBeLessThan(256 * 1024)
    // one DHCP exchange: iPXE's; the initrd set up the lease iPXE handed it (ip=...:none), ran no dhclient
    expect(r.leases).toBe(1)
    expect(r.client.codename).toBe('bookworm')
    expect(r.client.hostname).not.toBe(NODE.name)
    expect(r.ok).toBe(true)
    expectAnalyze(r)
    // a diskless client: every unit of the list is masked (by the root's sidus-diskless generator)
    const { all } = await maskStates(r)
    expect(all.filter(([, state]) => state !== 'masked')).toEqual([])
  }, 20 * MIN)

  it('boots the master (sidus master set) read-write over TFTP (--tftp: pxelinux): its write reaches the root, and is removed', async () => {
    const set = await sidus(['master', 'set', NAME, MASTER_MAC], { env })
    expect(set.exitCode, set.all).toBe(0)
    const r = await boot(['--mac', MASTER_MAC, '--tftp'])
    expect(r.mode).toBe('rw')
    expect(passed(r)).toEqual(TFTP_CHECKS)
    expect(r.bytes.http).toBeUndefined()
    expect(r.bytes.tftp).toBeGreaterThanOrEqual(bootBytes(NAME))
    // pxelinux cannot hand its lease over: the initrd's dhclient asks again (ip=dhcp)
    expect(r.leases).toBe(2)
    expect(readdirSync(`${world.roots}/${NAME}`).filter((f) => f.startsWith('.sidus-lab-'))).toEqual([])
    expectAnalyze(r)
    // the master keeps them all: none masked, and those a minimal root has are loaded
    const { required, all } = await maskStates(r)
    expect(all.filter(([, state]) => state === 'masked')).toEqual([])
    expect(required.filter(([, state]) => state !== 'loaded')).toEqual([])
  }, 20 * MIN)

  it('boots a UEFI client (OVMF, iPXE over HTTP) on the overlay', async () => {
    const r = await boot(['--uefi'])
    expect(r.firmware).toBe('uefi')
    expect(passed(r)).toEqual(HTTP_CHECKS)
    // snponly.efi found the NIC's vendor too, and the EFI stub loaded both initrds the kernel line names
    expectSplitInitrd(r)
    // OVMF's lease, then snponly.efi's own; none from the initrd
    expect(r.leases).toBe(2)
    expectAnalyze(r)
  }, 20 * MIN)

  it('boots the trixie64 node once into rescue (lab boot --once rescue, served once by the lab\'s sidus serve): emergency.target, a root shell, no multi-user', async () => {
    const r = await boot(['--mac', NODE.mac, '--once', 'rescue'], TRIXIE)
    expect(r.once).toBe('rescue')
    expect(passed(r)).toEqual(RESCUE_CHECKS)
    expect(r.client).toMatchObject({ hostname: NODE.name, codename: 'trixie' })
    expect(r.ok).toBe(true)
  }, 20 * MIN)

  it('boots the trixie64 node A (BIOS, overlay) under its inventory name, kept running: Debian 13 with its dracut-ng, every check passes', async () => {
    const r = await boot(['--mac', NODE.mac, '--keep'], TRIXIE)
    expect(r.mode).toBe('overlay')
    expect(passed(r)).toEqual(HTTP_CHECKS)
    // its inventory name reached it through iPXE's lease (${hostname} on the kernel line): no second DHCP asked for it
    expect(r.client).toMatchObject({ hostname: NODE.name, codename: 'trixie' })
    expect(r.leases).toBe(1)
    expectAnalyze(r)
    const { all } = await maskStates(r)
    expect(all.filter(([, state]) => state !== 'masked')).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.kept).toMatchObject({ mac: NODE.mac, node: NODE.name, instance: TRIXIE })
  }, 20 * MIN)

  it('sidus events --lab lists both boots of the node: the rescue script (its one-shot), then the normal one, each with its kernel and initrd', async () => {
    const r = await sidus(['events', '--lab', '--node', NODE.name, '-n', '100', '--json'], { env })
    expect(r.exitCode, r.all).toBe(0)
    const events = (JSON.parse(r.stdout) as { events: { kind: string; what: string; status: number; once?: string; instance: string | null }[] }).events
    // the node's own script (/ipxe/<mac>.ipxe) and what it boots; a menu it may chain to is not the point
    const served = events.filter((e) => e.status === 200 && (e.kind !== 'script' || e.what.startsWith('/ipxe/'))).map((e) => (e.kind === 'script' ? `script ${e.once ?? 'normal'}` : `${e.kind} ${e.instance}`))
    // the initrd twice: the split's base and the NIC's piece
    expect(served).toEqual([`script rescue`, `kernel ${TRIXIE}`, `initrd ${TRIXIE}`, `initrd ${TRIXIE}`, 'script normal', `kernel ${TRIXIE}`, `initrd ${TRIXIE}`, `initrd ${TRIXIE}`])
    const text = await sidus(['events', '--lab', '--node', NODE.name], { env })
    expect(text.stdout).toMatch(new RegExp(`${NODE.name} .* script .*/ipxe/\\S+\\.ipxe .*\\(once: rescue\\)`))
  })

  it('boots node B of trixie64, kept too; lab run -- node status: both up and current on generation 1', async () => {
    const r = await boot(['--mac', NODE_B.mac, '--keep'], TRIXIE)
    expect(passed(r)).toEqual(HTTP_CHECKS)
    expect(r.kept).toMatchObject({ mac: NODE_B.mac, node: NODE_B.name })
    const st = await status()
    expect(st.nodes.map((n) => [n.name, n.state, n.boot, n.probe?.generation])).toEqual([[NODE.name, 'up', 'current', 1], [NODE_B.name, 'up', 'current', 1]])
  }, 20 * MIN)

  it('stages trixie64, installs a package in the stage (exec --staged), boots the stage in the lab: every check passes on the stage\'s root', async () => {
    const staged = await sidus(['stage', TRIXIE, '--json'], { env, timeout: 20 * MIN })
    expect(staged.exitCode, staged.all).toBe(0)
    console.log(`stage ${TRIXIE}: ${JSON.stringify(JSON.parse(staged.stdout))}`)
    const started = Date.now()
    // the root's package lists were dropped after create: fetched again (from the root's own apt sources), then the package
    const updated = await sidus(['exec', TRIXIE, '--staged', '--', 'apt-get', 'update'], { env, timeout: 20 * MIN })
    expect(updated.exitCode, updated.all).toBe(0)
    const installed = await sidus(['exec', TRIXIE, '--staged', '--', 'apt-get', 'install', '-y', '--no-install-recommends', PKG], { env, timeout: 20 * MIN })
    expect(installed.exitCode, installed.all).toBe(0)
    console.log(`exec --staged apt-get update, install ${PKG}: ${Math.round((Date.now() - started) / 1000)} s`)
    const stage = `${world.roots}/.generations/${TRIXIE}/stage`
    expect(existsSync(`${stage}/usr/bin/${PKG}`)).toBe(true)
    expect(existsSync(`${world.roots}/${TRIXIE}/usr/bin/${PKG}`)).toBe(false)
    const r = await boot(['--staged'], TRIXIE)
    expect(passed(r)).toEqual(HTTP_CHECKS)
    // the client's root is the stage, exported read-only by the lab's ganesha
    expect(r.checks.find((c) => c.name === 'root')?.detail).toContain(stage)
    // its kernel and initrd came from the lab's staged tree under a name no menu of the fleet uses; the lab's own tree has none
    expect(r.checks.find((c) => c.name === 'http')?.detail).toContain('@stage')
    expect(readdirSync(`${world.state}/lab/tftp`).filter((f) => f.includes('@stage'))).toEqual([])
    expect(r.client.codename).toBe('trixie')
  }, 40 * MIN)

  it('promotes the stage under the running nodes: A keeps reading its files (generation 1), both need a reboot', async () => {
    const promoted = await sidus(['promote', TRIXIE, '--json'], { env, timeout: 5 * MIN })
    expect(promoted.exitCode, promoted.all).toBe(0)
    expect(JSON.parse(promoted.stdout)).toMatchObject({ live: 2, kept: 1 })
    // every file of A's root read again after the swap (and the lab's NFS server restart): no stale handle
    const read = await labRun(['node', 'run', NODE.name, '--timeout', '600', '--', 'sh', '-c', 'dpkg -l >/dev/null && md5sum /usr/bin/* >/dev/null && echo read-ok'], 12 * MIN)
    expect(read.exitCode, read.all).toBe(0)
    expect(read.stdout).toContain(`${NODE.name}: read-ok`)
    const absent = await labRun(['node', 'run', NODE.name, '--timeout', '120', '--', 'dpkg', '-s', PKG])
    expect(absent.exitCode).not.toBe(0)
    const st = await status()
    expect(st.live).toEqual([expect.objectContaining({ instance: TRIXIE, generation: 2 })])
    expect(st.nodes.map((n) => [n.name, n.state, n.boot, n.probe?.generation])).toEqual([[NODE.name, 'up', 'needs reboot', 1], [NODE_B.name, 'up', 'needs reboot', 1]])
  }, 10 * MIN)

  it('reboots both in a rolling wave (batch 1): each comes back current on generation 2, with the package', async () => {
    const r = await labRun(['node', 'reboot', NODES, '--rolling', '--batch', '1', '--json'], 30 * MIN)
    expect(r.exitCode, r.all).toBe(0)
    const report = JSON.parse(r.stdout) as { ok: boolean; batches: { index: number; nodes: string[]; ok: boolean; seconds: number }[] }
    console.log(`rolling reboot ${NODES} --batch 1: ${report.batches.map((b) => `${b.nodes.join(',')} ${b.seconds} s`).join(', ')}`)
    expect(report.batches.map((b) => [b.nodes, b.ok])).toEqual([[[NODE.name], true], [[NODE_B.name], true]])
    const st = await status()
    expect(st.nodes.map((n) => [n.name, n.boot, n.probe?.generation])).toEqual([[NODE.name, 'current', 2], [NODE_B.name, 'current', 2]])
    const pkg = await labRun(['node', 'run', NODES, '--timeout', '120', '--', 'dpkg', '-s', PKG])
    expect(pkg.exitCode, pkg.all).toBe(0)
  }, 30 * MIN)

  it('rolls back: a new boot of A is on generation 1 again, without the package', async () => {
    const back = await sidus(['rollback', TRIXIE, '--json'], { env, timeout: 5 * MIN })
    expect(back.exitCode, back.all).toBe(0)
    expect(JSON.parse(back.stdout)).toMatchObject({ live: 1, kept: 2 })
    const r = await labRun(['node', 'reboot', NODE.name, '--rolling', '--json'], 20 * MIN)
    expect(r.exitCode, r.all).toBe(0)
    console.log(`reboot ${NODE.name} after the rollback: ${(JSON.parse(r.stdout) as { batches: { seconds: number }[] }).batches[0].seconds} s`)
    const st = await status()
    expect(st.nodes.map((n) => [n.name, n.boot, n.probe?.generation])).toEqual([[NODE.name, 'current', 1], [NODE_B.name, 'needs reboot', 2]])
    const pkg = await labRun(['node', 'run', NODE.name, '--timeout', '120', '--', 'dpkg', '-s', PKG])
    expect(pkg.exitCode).not.toBe(0)
  }, 20 * MIN)

  it('lab down stops the kept clients and leaves the host network as it was', async () => {
    const kept = (JSON.parse(readFileSync(`${world.state}/lab/lab.json`, 'utf8')) as { kept: { pid: number }[] }).kept.map((k) => k.pid)
    expect(kept).toHaveLength(2)
    const down = await sidus(['lab', 'down', '--json'], { env })
    expect(down.exitCode, down.all).toBe(0)
    expect(JSON.parse(down.stdout).wasUp).toBe(true)
    expect((JSON.parse(down.stdout) as { kept: { node: string }[] }).kept.map((k) => k.node)).toEqual([NODE.name, NODE_B.name])
    expect(kept.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([])
    // nothing left behind: no namespace that was not there before (CI runs alone, so this is
    // `ip netns list` as before; on a shared machine other tests' namespaces may come and go)
    expect(namespaces().filter((n) => !namespacesBefore.includes(n))).toEqual([])
    expect(namespaces()).not.toContain(NAMESPACE)
    expect(hostLinks()).toEqual(linksBefore)
  }, 2 * MIN)
})
