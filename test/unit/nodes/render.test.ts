import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { defaultConfig, type SidusConfig } from '../../../src/config/schema.js'
import type { ResolvedNode } from '../../../src/inventory/model.js'
import { loadServerModel, parseExports, planFiles, renderDnsmasq, renderExports, renderIscDhcp, type ServerModel } from '../../../src/services/index.js'
import { tempCtx } from '../../helpers/config.js'

const node = (name: string, mac: string, ip?: string): ResolvedNode => ({ name, mac, ip, from: {} })
function model(over: Partial<SidusConfig> = {}): ServerModel {
  return {
    config: { ...defaultConfig(), ...over },
    instances: ['bookworm64'],
    masters: { bookworm64: { instance: 'bookworm64', mac: '52:54:00:00:00:fe', ip: '10.20.17.253', since: 'x' } },
    nodes: [node('n001', '52:54:00:00:00:01', '10.20.17.11'), node('n002', '52:54:00:00:00:02'), node('admin', '52:54:00:00:00:fe', '10.20.17.253')],
  }
}

describe('the inventory in the DHCP and hosts renders', () => {
  test('dnsmasq: a dhcp-host per node (address when it has one, always its name), the master once, names for DNS', () => {
    const text = renderDnsmasq(model(), { mode: 'dnsmasq', tftp: true })
    expect(text).toContain('dhcp-host=52:54:00:00:00:01,10.20.17.11,n001\n')
    expect(text).toContain('dhcp-host=52:54:00:00:00:02,n002\n')
    expect(text.match(/dhcp-host=52:54:00:00:00:fe/g)).toHaveLength(1)
    expect(text).toContain('addn-hosts=/etc/sidus/hosts\n')
    expect(renderDnsmasq(model(), { mode: 'dnsmasq', tftp: true, dns: false })).not.toContain('addn-hosts')
  })

  test('ISC: a host block per node with its fixed address and host-name option', () => {
    const text = renderIscDhcp(model())
    expect(text).toContain('host sidus-node-n001 {\n\thardware ethernet 52:54:00:00:00:01;\n\tfixed-address 10.20.17.11;\n\toption host-name "n001";\n}')
    expect(text).toContain('host sidus-node-n002 {\n\thardware ethernet 52:54:00:00:00:02;\n\toption host-name "n002";\n}')
    expect(text).not.toContain('sidus-node-admin')
  })

  test('proxy mode reserves nothing and says so; the hosts file lists masters and nodes with addresses', () => {
    const proxy = renderDnsmasq(model(), { mode: 'proxy', tftp: true })
    expect(proxy).not.toContain('dhcp-host')
    expect(proxy).toContain('# proxy mode: the 3 nodes of nodes.yaml get their addresses and names from the site\'s DHCP server, not here')
    expect(planFiles(model({ dhcp: { mode: 'proxy', lease: '12h' } })).map((f) => f.path)).not.toContain('/etc/sidus/hosts')
    const hosts = planFiles(model()).find((f) => f.path === '/etc/sidus/hosts')!.content
    expect(hosts.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['10.20.17.253\tbookworm64-master', '10.20.17.11\tn001'])
  })

  test('the rw node of an instance is its master: its read-write export, its host name, no second reservation', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-rw-node-'))
    try {
      const ctx = tempCtx(dir, ['bookworm64', 'trixie64'])
      writeFileSync(path.join(dir, 'nodes.yaml'), 'nodes:\n  t-admin: {mac: "52:54:00:00:00:07", ip: 10.20.17.12, instance: trixie64, mode: rw}\n  n001: {mac: "52:54:00:00:00:01", ip: 10.20.17.11}\n')
      const m = await loadServerModel(ctx)
      expect(m.masters).toEqual({ trixie64: { instance: 'trixie64', mac: '52:54:00:00:00:07', ip: '10.20.17.12', hostname: 't-admin', node: 't-admin' } })
      const rw = parseExports(renderExports(m)).filter((l) => l.options.includes('rw') && l.path.startsWith(ctx.config.paths.roots))
      expect(rw.map((l) => [path.basename(l.path), l.client])).toEqual([['trixie64', '10.20.17.12']])
      const hosts = planFiles(m).find((f) => f.path === '/etc/sidus/hosts')!.content
      expect(hosts.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['10.20.17.12\tt-admin', '10.20.17.11\tn001'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
