import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultConfig, type SidusConfig } from '../../../src/config/schema.js'
import type { Ctx } from '../../../src/context.js'
import { parseInventory } from '../../../src/inventory/file.js'
import { importNodes } from '../../../src/nodes/import.js'
import { resolveNode } from '../../../src/inventory/model.js'
import { addNodes, listNodes, removeNodes, setNodes } from '../../../src/nodes/service.js'
import { tempCtx } from '../../helpers/config.js'

// server.network 10.20.17.0/24, server .254, default DHCP pool .128-.240
const config = (): SidusConfig => defaultConfig()

const GOOD = `# the rack by the window
groups:
  compute:
    instance: bookworm64
    mode: overlay
    tmpfs_size: 2G
nodes:
  n001: # the first one
    mac: 52:54:00:00:00:01
    ip: 10.20.17.11
    group: compute
  n002:
    mac: 52-54-00-00-00-02
    group: compute
    instance: trixie64
  admin:
    mac: 52:54:00:00:00:03
    instance: bookworm64
    mode: rw
`

async function refusal(fn: () => unknown): Promise<{ message: string; suggestion?: string; exitCode?: number }> {
  try { await fn() } catch (error) { return error as { message: string; suggestion?: string; exitCode?: number } }
  throw new Error('expected a refusal')
}

describe('nodes.yaml: parse and check', () => {
  it('reads nodes and groups, canonical MACs, and applies group values where the node has none', () => {
    const inv = parseInventory(config(), GOOD, 'nodes.yaml')
    expect(inv.nodes.map((n) => n.name)).toEqual(['n001', 'n002', 'admin'])
    expect(inv.nodes[1].mac).toBe('52:54:00:00:00:02')
    const n1 = resolveNode(inv, inv.nodes[0])
    expect(n1).toMatchObject({ instance: 'bookworm64', mode: 'overlay', tmpfs_size: '2G', from: { instance: 'group', mode: 'group', tmpfs_size: 'group' } })
    const n2 = resolveNode(inv, inv.nodes[1])
    expect(n2).toMatchObject({ instance: 'trixie64', from: { instance: 'node', mode: 'group' } })
  })

  it('refuses each broken rule with file:line, the problem and the fix (exit 78)', async () => {
    const cases: [string, RegExp][] = [
      [GOOD.replace('52:54:00:00:00:03', '52:54:00:00:00:01'), /^nodes\.yaml:16: MAC 52:54:00:00:00:01 of admin is already node n001's$/],
      [GOOD.replace('    instance: trixie64', '    ip: 10.20.17.11'), /^nodes\.yaml:12: address 10\.20\.17\.11 of n002 is already node n001's$/],
      [GOOD.replace('10.20.17.11', '10.20.17.130'), /^nodes\.yaml:10: 10\.20\.17\.130 lies in the DHCP pool 10\.20\.17\.128-10\.20\.17\.240 \(the default pool \(dhcp\.range unset\)\): another client could lease it and get the node's address while the node is off$/],
      [GOOD.replace('10.20.17.11', '10.20.18.11'), /^nodes\.yaml:10: 10\.20\.18\.11 is not inside server\.network 10\.20\.17\.0\/24$/],
      [GOOD.replace('10.20.17.11', '10.20.17.011'), /^nodes\.yaml:10: invalid address "10\.20\.17\.011": an octet has a leading zero/],
      [GOOD.replace('10.20.17.11', '10.20.17.254'), /^nodes\.yaml:10: 10\.20\.17\.254 is the server's own address/],
      [GOOD.replace('    group: compute\n    instance: trixie64', '    group: gpu'), /^nodes\.yaml:12: node n002 names the unknown group gpu$/],
      [GOOD.replace('  n002:', '  N_002:'), /^nodes\.yaml:12: "N_002" is not a valid host name for a node$/],
      [GOOD.replace('mac: 52:54:00:00:00:01', 'mac: 01:00:5e:00:00:01'), /^nodes\.yaml:9: invalid MAC address: 01:00:5e:00:00:01 is a multicast address/],
      [GOOD.replace('mode: overlay', 'mode: rw'), /^nodes\.yaml:2: admin and n001 would both boot bookworm64 read-write: one rw node per instance$/],
      [GOOD.replace('    mode: overlay', '    color: red'), /^nodes\.yaml:5: unknown key 'color' in group compute$/],
      [GOOD.replace('  n002:\n    mac: 52-54-00-00-00-02\n', '  n002:\n'), /^nodes\.yaml:12: node n002 has no mac$/],
      [GOOD.replace('  admin:', '  n001:'), /^nodes\.yaml:16: invalid YAML: Map keys must be unique/],
      [GOOD.replace('tmpfs_size: 2G', 'tmpfs_size: lots'), /^nodes\.yaml:6: tmpfs size "lots" is not a size$/],
    ]
    for (const [text, message] of cases) {
      const e = await refusal(() => parseInventory(config(), text, 'nodes.yaml'))
      expect(e.message).toMatch(message)
      expect(e.message.split('\n')).toHaveLength(1)
      expect(e.exitCode).toBe(78)
    }
  })

  it('in proxy mode the site\'s DHCP server owns the pool: no pool check', () => {
    const c = config()
    c.dhcp.mode = 'proxy'
    expect(() => parseInventory(c, GOOD.replace('10.20.17.11', '10.20.17.130'), 'nodes.yaml')).not.toThrow()
  })
})

describe('node add/set/rm/import on a real file', () => {
  let dir: string
  let ctx: Ctx
  let file: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-nodes-'))
    ctx = tempCtx(dir, ['bookworm64', 'trixie64'])
    file = path.join(dir, 'nodes.yaml')
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps the admin\'s comments and order through add, set and rm', async () => {
    writeFileSync(file, GOOD)
    await addNodes(ctx, [{ name: 'n003', mac: '52:54:00:00:00:04', group: 'compute' }])
    await setNodes(ctx, 'n002', { mode: 'aufs' })
    await removeNodes(ctx, 'admin')
    const text = readFileSync(file, 'utf8')
    expect(text).toContain('# the rack by the window')
    expect(text).toMatch(/n001:\s*# the first one\n/)
    expect(text.indexOf('n001:')).toBeLessThan(text.indexOf('n002:'))
    expect(text.indexOf('n002:')).toBeLessThan(text.indexOf('n003:'))
    expect(text).not.toContain('admin')
    const { nodes } = await listNodes(ctx)
    expect(nodes.map((n) => [n.name, n.ip, n.mode])).toEqual([['n001', '10.20.17.11', 'overlay'], ['n002', undefined, 'aufs'], ['n003', '10.20.17.1', 'overlay']])
  })

  it('picks the next free address outside the DHCP pool, and the file it writes reads back', async () => {
    await addNodes(ctx, [{ name: 'a', mac: '52:54:00:00:01:01', ip: '10.20.17.1' }, { name: 'b', mac: '52:54:00:00:01:02' }, { name: 'c', mac: '52:54:00:00:01:03' }])
    const { nodes } = await listNodes(ctx)
    expect(nodes.map((n) => n.ip)).toEqual(['10.20.17.1', '10.20.17.2', '10.20.17.3'])
    expect(readFileSync(file, 'utf8')).toMatch(/^# The fleet inventory of sidus/)
    expect(() => parseInventory(ctx.config, readFileSync(file, 'utf8'), file)).not.toThrow()
  })

  it('refuses a duplicate name, MAC or IP, an unknown instance or group, a second rw node, and writes nothing', async () => {
    writeFileSync(file, GOOD)
    const cases: [() => Promise<unknown>, RegExp, number][] = [
      [() => addNodes(ctx, [{ name: 'n001', mac: '52:54:00:00:09:01' }]), /^node n001 is already in .*nodes\.yaml$/, 73],
      [() => addNodes(ctx, [{ name: 'n009', mac: '52:54:00:00:00:01' }]), /^MAC 52:54:00:00:00:01 of n009 is already node n001's$/, 73],
      [() => addNodes(ctx, [{ name: 'n009', mac: '52:54:00:00:09:01', ip: '10.20.17.11' }]), /^address 10\.20\.17\.11 of n009 is already node n001's$/, 73],
      [() => addNodes(ctx, [{ name: 'n009', mac: '52:54:00:00:09:01', instance: 'sid64' }]), /^unknown instance sid64: no .*\/roots\/sid64$/, 66],
      [() => addNodes(ctx, [{ name: 'n009', mac: '52:54:00:00:09:01', group: 'gpu' }]), /^unknown group gpu$/, 66],
      [() => addNodes(ctx, [{ name: 'n009', mac: '52:54:00:00:09:01', instance: 'bookworm64', mode: 'rw' }]), /^n009 and admin would both boot bookworm64 read-write/, 73],
      [() => addNodes(ctx, [{ name: 'n_9', mac: '52:54:00:00:09:01' }]), /^"n_9" is not a valid host name for a node$/, 64],
      [() => addNodes(ctx, [{ name: 'n009', mac: '52:54:00:00:09:01', ip: '10.20.17.200' }]), /^10\.20\.17\.200 lies in the DHCP pool/, 64],
      [() => setNodes(ctx, 'n[001-002]', { ip: '10.20.17.50' }), /^--mac and --ip name one machine, and n\[001-002\] selects 2 nodes$/, 64],
      [() => setNodes(ctx, 'n[001-004]', { mode: 'aufs' }), /^no node n003, n004 in /, 66],
      [() => setNodes(ctx, '@gpu', { mode: 'aufs' }), /^unknown group @gpu$/, 66],
      [() => setNodes(ctx, 'n001', { instance: 'bookworm64', mode: 'rw' }), /^(n001 and admin|admin and n001) would both boot bookworm64 read-write/, 73],
    ]
    for (const [fn, message, code] of cases) {
      const e = await refusal(fn)
      expect(e.message).toMatch(message)
      expect(e.suggestion, e.message).toBeTruthy()
      expect(e.exitCode, e.message).toBe(code)
    }
    expect(readFileSync(file, 'utf8')).toBe(GOOD)
  })

  it('an older sidus\'s masters.yaml moves into nodes.yaml at the first write: its master is the instance\'s rw node', async () => {
    writeFileSync(file, GOOD)
    mkdirSync(ctx.config.paths.state, { recursive: true })
    const legacy = path.join(ctx.config.paths.state, 'masters.yaml')
    writeFileSync(legacy, 'masters:\n  trixie64: {instance: trixie64, mac: "52:54:00:00:00:99", ip: 10.20.17.253, since: x}\n')
    const e = await refusal(() => addNodes(ctx, [{ name: 'tadm', mac: '52:54:00:00:09:09', instance: 'trixie64', mode: 'rw' }]))
    expect(e.message).toBe('tadm and trixie64-master would both boot trixie64 read-write: one rw node per instance')
    expect(e.exitCode).toBe(73)
    // migrated once, the admin's comments kept; the old file kept aside
    const text = readFileSync(file, 'utf8')
    expect(text).toContain('# the rack by the window')
    expect(text).toMatch(/n001:\s*# the first one\n/)
    const { nodes } = await listNodes(ctx, 'trixie64-master')
    expect(nodes[0]).toMatchObject({ mac: '52:54:00:00:00:99', ip: '10.20.17.253', instance: 'trixie64', mode: 'rw' })
    expect(existsSync(legacy)).toBe(false)
    expect(existsSync(`${legacy}.migrated`)).toBe(true)
    // the master's MAC is a node now: a second entry of it is a duplicate
    expect((await refusal(() => addNodes(ctx, [{ name: 'tadm', mac: '52:54:00:00:00:99' }]))).message).toBe('MAC 52:54:00:00:00:99 of tadm is already node trixie64-master\'s')
  })

  it('sets a whole group through @group and clears values back to the group\'s', async () => {
    writeFileSync(file, GOOD)
    await setNodes(ctx, '@compute', { extra_args: 'quiet' })
    let { nodes } = await listNodes(ctx, '@compute')
    expect(nodes.map((n) => n.extra_args)).toEqual(['quiet', 'quiet'])
    await setNodes(ctx, 'n002', { clear: ['instance'] })
    ;({ nodes } = await listNodes(ctx, 'n002'))
    expect(nodes[0]).toMatchObject({ instance: 'bookworm64', from: { instance: 'group' } })
  })

  it('imports a CSV whole or not at all: one bad line names itself and nothing is written', async () => {
    const csv = path.join(dir, 'rack.csv')
    writeFileSync(csv, 'name,mac,group\nn010,52:54:00:00:10:10,\nn011,52:54:00:00:10:11,gpu\n')
    const e = await refusal(() => importNodes(ctx, csv))
    expect(e.message).toBe(`${csv}:3: unknown group gpu`)
    expect(() => readFileSync(file)).toThrow(/ENOENT/)
    writeFileSync(csv, '# from the old server\nname,mac,ip,mode\nn010,52:54:00:00:10:10,,\n"n011",52:54:00:00:10:11,10.20.17.99,aufs\n')
    const r = await importNodes(ctx, csv)
    expect(r.nodes.map((n) => [n.name, n.ip, n.mode])).toEqual([['n010', '10.20.17.1', undefined], ['n011', '10.20.17.99', 'aufs']])
  })

  it('imports YAML as a nodes: mapping or a list', async () => {
    const y = path.join(dir, 'more.yaml')
    writeFileSync(y, 'nodes:\n  x1:\n    mac: 52:54:00:00:20:01\n  x2:\n    mac: 52:54:00:00:20:02\n    instance: trixie64\n')
    await importNodes(ctx, y)
    writeFileSync(y, '- name: x3\n  mac: 52:54:00:00:20:03\n- name: x4\n  mac: 52:54:00:00:20:01\n')
    const e = await refusal(() => importNodes(ctx, y))
    expect(e.message).toBe(`${y}:3: MAC 52:54:00:00:20:01 of x4 is already node x1's`)
    expect((await listNodes(ctx)).nodes.map((n) => n.name)).toEqual(['x1', 'x2'])
  })
})
