import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Ctx } from '../../../src/context.js'
import { discoverNodes, parseDnsmasqLeases, parseIscLeases } from '../../../src/nodes/discover.js'
import { addNodes, listNodes } from '../../../src/nodes/service.js'
import { tempCtx } from '../../helpers/config.js'

const DNSMASQ = `1764700003 52:54:00:00:00:03 10.20.17.130 * 01:52:54:00:00:00:03
1764700001 52:54:00:00:00:01 10.20.17.128 pc1 *
1764700002 52:54:00:00:00:02 10.20.17.129 * *
garbage line
`
const ISC = `lease 10.20.17.140 {
  starts 2 2026/12/01 10:00:05;
  hardware ethernet 52:54:00:00:01:02;
  client-hostname "b";
}
lease 10.20.17.141 {
  starts 2 2026/12/01 10:00:01;
  hardware ethernet 52:54:00:00:01:01;
}
`

describe('node discover', () => {
  let dir: string
  let ctx: Ctx
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-discover-'))
    ctx = tempCtx(dir)
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('reads dnsmasq and ISC leases', () => {
    expect(parseDnsmasqLeases(DNSMASQ).map((l) => [l.mac, l.ip, l.hostname])).toEqual([
      ['52:54:00:00:00:03', '10.20.17.130', undefined], ['52:54:00:00:00:01', '10.20.17.128', 'pc1'], ['52:54:00:00:00:02', '10.20.17.129', undefined],
    ])
    expect(parseIscLeases(ISC).map((l) => [l.mac, l.ip, l.hostname])).toEqual([['52:54:00:00:01:02', '10.20.17.140', 'b'], ['52:54:00:00:01:01', '10.20.17.141', undefined]])
  })

  it('lists the unknown machines in the order they asked, and names them in that order with --add', async () => {
    const leases = path.join(dir, 'dnsmasq.leases')
    writeFileSync(leases, DNSMASQ)
    await addNodes(ctx, [{ name: 'known', mac: '52:54:00:00:00:02' }])
    const seen = await discoverNodes(ctx, { leaseFile: leases })
    expect(seen.unknown.map((l) => l.mac)).toEqual(['52:54:00:00:00:01', '52:54:00:00:00:03'])
    await expect(discoverNodes(ctx, { leaseFile: leases, addPattern: 'n1' })).rejects.toThrow(/^n1 names 1 nodes for 2 new machines$/)
    const r = await discoverNodes(ctx, { leaseFile: leases, addPattern: 'n[01-05]' })
    expect(r.added?.nodes.map((n) => [n.name, n.mac])).toEqual([['n01', '52:54:00:00:00:01'], ['n02', '52:54:00:00:00:03']])
    expect((await listNodes(ctx)).nodes.map((n) => n.name)).toEqual(['known', 'n01', 'n02'])
    expect((await discoverNodes(ctx, { leaseFile: leases })).unknown).toEqual([])
  })

  it('ISC order comes from the lease start; a missing lease file names itself and the fix', async () => {
    const leases = path.join(dir, 'dhcpd.leases')
    writeFileSync(leases, ISC)
    expect((await discoverNodes(ctx, { leaseFile: leases })).unknown.map((l) => l.mac)).toEqual(['52:54:00:00:01:01', '52:54:00:00:01:02'])
    await expect(discoverNodes(ctx, { leaseFile: path.join(dir, 'none') })).rejects.toThrow(/^cannot read the DHCP leases .*none \(ENOENT\)$/)
  })
})
