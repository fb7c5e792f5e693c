import { execa } from 'execa'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseConfig } from '../../src/config/load.js'
import { renderDnsmasq, renderIscDhcp, type ServerModel } from '../../src/services/index.js'
import { tempWorld } from '../helpers/config.js'
import { TestNetns, writeText } from '../helpers/netns.js'

/**
 * The rendered DHCP configs answering real DHCP requests (busybox udhcpc) inside
 * namespaces of the test: the loader for each client architecture (option 93),
 * next-server, the master's fixed address, a dynamic address for anyone else.
 */
const world = tempWorld('server: {address: 10.213.83.1, network: 10.213.83.0/24, interface: br-t7h}\n')
mkdirSync(path.join(world.roots, 'bookworm64'))
const MASTER = '52:54:00:00:83:fa'
const OTHER = '52:54:00:00:83:01'
// a node of the inventory with its reservation and name
const NODE = { name: 'n011', mac: '52:54:00:00:83:11', ip: '10.213.83.11', from: {} }
type Loader = 'ipxe-http' | 'pxelinux'
const modelFor = (loader: Loader): ServerModel => ({
  config: parseConfig(`paths: {roots: ${world.roots}, tftp: ${world.tftp}, state: ${world.state}}\nserver: {address: 10.213.83.1, network: 10.213.83.0/24}\nboot: {loader: ${loader}}\n`),
  instances: ['bookworm64'],
  masters: { bookworm64: { instance: 'bookworm64', mac: MASTER, ip: '10.213.83.250', since: 'now' } },
  nodes: [NODE],
})
/** what each loader sends BIOS, EFI x64 and EFI ia32 firmware; iPXE itself (user class iPXE) gets the HTTP script with ipxe-http */
const FILES: Record<Loader, { bios: string; efi64: string; efi32: string; ipxe?: string }> = {
  pxelinux: { bios: 'pxelinux.0', efi64: 'efi64/syslinux.efi', efi32: 'efi32/syslinux.efi' },
  'ipxe-http': { bios: 'undionly.kpxe', efi64: 'snponly.efi', efi32: 'efi32/syslinux.efi', ipxe: 'http://10.213.83.1:8470/ipxe/boot.ipxe' },
}
const run = path.join(world.dir, 'run')
const ns = new TestNetns(run, 'br-t7h', '10.213.83.1/24')
const client = `${ns.name}-c`
// udhcpc runs this on each event; it prints what the server sent
const script = path.join(run, 'udhcpc.sh')

/** iPXE's DHCP user class (option 77), as udhcpc -x takes it: "iPXE" in hex */
const IPXE_USER_CLASS = '0x4d:69505845'

async function ask(link: string, arch?: string, ipxe = false): Promise<{ ip: string; siaddr: string; boot_file: string; hostname: string }> {
  const argv = ['ip', 'netns', 'exec', client, 'busybox', 'udhcpc', '-i', link, '-n', '-q', '-f', '-s', script, '-t', '5', '-T', '1', ...(arch ? ['-x', `0x5d:${arch}`] : []), ...(ipxe ? ['-x', IPXE_USER_CLASS] : [])]
  const r = await execa(argv[0], argv.slice(1), { reject: false, all: true, timeout: 30_000 })
  const m = /lease ip=(\S*) siaddr=(\S*) boot_file=(\S*) hostname=(\S*)/.exec(r.all ?? '')
  if (!m) throw new Error(`no lease on ${link}: ${r.all}`)
  return { ip: m[1], siaddr: m[2], boot_file: m[3], hostname: m[4] }
}

async function expectSidusAnswers(loader: Loader): Promise<void> {
  const f = FILES[loader]
  for (const [arch, file] of [['0000', f.bios], ['0007', f.efi64], ['0009', f.efi64], ['0006', f.efi32], [undefined, f.bios]] as const) {
    expect(await ask('vm', arch), `arch ${arch}`).toMatchObject({ ip: '10.213.83.250', siaddr: '10.213.83.1', boot_file: file })
  }
  // the node gets its reserved address and its inventory name (DHCP option 12)
  expect(await ask('vn', '0000')).toEqual({ ip: NODE.ip, siaddr: '10.213.83.1', boot_file: f.bios, hostname: NODE.name })
  const other = await ask('vo', '0007')
  expect(other.boot_file).toBe(f.efi64)
  const last = Number(other.ip.split('.')[3])
  expect(other.ip.startsWith('10.213.83.')).toBe(true)
  expect(last >= 128 && last <= 240).toBe(true)
  // iPXE, chained from the firmware, asks again with its user class: BIOS and EFI x64
  for (const arch of ['0000', '0007']) {
    expect((await ask('vn', arch, true)).boot_file, `iPXE on arch ${arch}`).toBe(f.ipxe ?? (arch === '0000' ? f.bios : f.efi64))
  }
}

beforeAll(async () => {
  mkdirSync(run, { recursive: true })
  writeFileSync(script, '#!/bin/sh\n[ "$1" = bound ] && echo "lease ip=$ip siaddr=$siaddr boot_file=$boot_file hostname=$hostname"\nexit 0\n', { mode: 0o755 })
  await ns.up()
  await ns.addClient(client, 'vm', MASTER)
  await ns.addClient(client, 'vo', OTHER)
  await ns.addClient(client, 'vn', NODE.mac)
})
afterAll(async () => {
  await ns.down()
  rmSync(world.dir, { recursive: true, force: true })
})

describe.each(['ipxe-http', 'pxelinux'] as const)('real DHCP exchanges, boot.loader %s', (loader) => {
  const model = modelFor(loader)
  test('dnsmasq (full mode)', async () => {
    const conf = writeText(path.join(run, 'dnsmasq.conf'), renderDnsmasq(model, { mode: 'dnsmasq', tftp: false, interface: ns.bridge, dns: false }))
    const d = ns.spawn(['dnsmasq', '--keep-in-foreground', `--conf-file=${conf}`, `--dhcp-leasefile=${path.join(run, 'dnsmasq.leases')}`, `--pid-file=${path.join(run, 'dnsmasq.pid')}`, `--log-facility=${path.join(run, 'dnsmasq.log')}`], path.join(run, 'dnsmasq.out'))
    try {
      await ns.waitFor(async () => /:67 /.test(await ns.listening()), 'dnsmasq on 67')
      await expectSidusAnswers(loader)
    } finally {
      await ns.stop(d)
    }
  })

  test('ISC dhcpd with the include', async () => {
    const include = writeText(path.join(run, 'dhcpd.sidus.conf'), renderIscDhcp(model))
    const conf = writeText(path.join(run, 'dhcpd.conf'), `authoritative;\nddns-update-style none;\ninclude "${include}";\n`)
    const leases = writeText(path.join(run, 'dhcpd.leases'), '')
    const d = ns.spawn(['dhcpd', '-4', '-f', '-cf', conf, '-lf', leases, '-pf', path.join(run, 'dhcpd.pid'), ns.bridge], path.join(run, 'dhcpd.out'))
    try {
      await ns.waitFor(async () => /:67 /.test(await ns.listening()), 'dhcpd on 67')
      await expectSidusAnswers(loader)
    } finally {
      await ns.stop(d)
    }
  })
})
