/**
 * The inventory through the real CLI: 480 nodes imported in one call, the configs rendered
 * from it accepted by the real dnsmasq and ISC dhcpd, a hand comment kept through node add.
 * (The real DHCP exchange that gives a reserved node its address and name is in services-dhcp.)
 */
import { execa } from 'execa'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

const world = tempWorld('server: {address: 10.20.0.1, network: 10.20.0.0/22}\ndhcp: {range: {start: 10.20.3.0, end: 10.20.3.200}}\n')
for (const i of ['bookworm64', 'trixie64']) mkdirSync(path.join(world.roots, i))
const nodesFile = path.join(world.dir, 'nodes.yaml')
afterAll(() => rmSync(world.dir, { recursive: true, force: true }))

const mac = (i: number) => `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`

describe('sidus node, for real', () => {
  test('imports 480 nodes in one call; the rendered dnsmasq and dhcpd configs pass their own checks', async () => {
    writeFileSync(nodesFile, '# the admin\'s own note, kept\ngroups:\n  compute:\n    instance: bookworm64\nnodes: {}\n')
    const csv = path.join(world.dir, 'fleet.csv')
    const rows = Array.from({ length: 480 }, (_, i) => `n${String(i + 1).padStart(3, '0')},${mac(i + 1)},compute${i % 2 ? ',trixie64' : ','}`)
    writeFileSync(csv, `name,mac,group,instance\n${rows.join('\n')}\n`)
    const started = performance.now()
    const r = await sidus(['node', 'import', csv, '--json'], { env: world.env })
    const seconds = (performance.now() - started) / 1000
    console.log(`node import of 480 nodes: ${seconds.toFixed(2)} s (CLI start-up included)`)
    expect(r.exitCode, r.all).toBe(0)
    const result = JSON.parse(r.stdout) as { nodes: { name: string; ip: string; instance: string }[] }
    expect(result.nodes).toHaveLength(480)
    // addresses: the lowest free ones, none in the pool, all different
    const ips = new Set(result.nodes.map((n) => n.ip))
    expect(ips.size).toBe(480)
    expect(result.nodes[0].ip).toBe('10.20.0.2')
    expect([...ips].some((ip) => ip.startsWith('10.20.3.'))).toBe(false)
    expect(result.nodes[1].instance).toBe('trixie64')
    expect(result.nodes[2].instance).toBe('bookworm64')
    expect(readFileSync(nodesFile, 'utf8')).toMatch(/^# the admin's own note, kept\n/)

    const list = await sidus(['node', 'list', 'n[001-003]'], { env: world.env })
    expect(list.stdout).toMatch(/n001\s+52:54:00:00:00:01\s+10\.20\.0\.2\s+compute\s+bookworm64 \(group\)/)

    for (const mode of ['dnsmasq', 'isc'] as const) {
      const config = path.join(world.dir, `sidus-${mode}.yaml`)
      writeFileSync(config, `${readFileSync(world.config, 'utf8')}nodes_file: ${nodesFile}\n`.replace('dhcp: {', `dhcp: {mode: ${mode}, `))
      const out = path.join(world.dir, `render-${mode}`)
      const render = await sidus(['server', 'render', '--out', out], { env: { SIDUS_CONFIG: config } })
      expect(render.exitCode, render.all).toBe(0)
      if (mode === 'dnsmasq') {
        const conf = path.join(out, 'etc/dnsmasq.d/sidus.conf')
        expect(readFileSync(conf, 'utf8').match(/^dhcp-host=/gm)).toHaveLength(480)
        const check = await execa('dnsmasq', ['--test', `--conf-file=${conf}`], { reject: false, all: true })
        expect(check.all).toContain('syntax check OK')
      } else {
        const include = path.join(out, 'etc/dhcp/dhcpd.sidus.conf')
        expect(readFileSync(include, 'utf8').match(/^host sidus-node-/gm)).toHaveLength(480)
        const conf = path.join(world.dir, 'dhcpd.conf')
        writeFileSync(conf, `ddns-update-style none;\nauthoritative;\ninclude "${include}";\n`)
        const check = await execa('dhcpd', ['-4', '-t', '-cf', conf], { reject: false, all: true })
        expect(check.all).not.toMatch(/error|warning/i)
        expect(check.exitCode).toBe(0)
      }
      const hosts = readFileSync(path.join(out, 'etc/sidus/hosts'), 'utf8')
      expect(hosts).toContain('10.20.0.2\tn001\n')
    }
  })

  test('refusals through the CLI: one line with its fix, the exit code of its class, the file unchanged', async () => {
    const before = readFileSync(nodesFile, 'utf8')
    const cases: [string[], RegExp, number][] = [
      [['node', 'add', 'n001', '52:54:00:aa:00:01'], /^sidus: error: node n001 is already in .*nodes\.yaml\n {2}fix: /, 73],
      [['node', 'add', 'x1', mac(1)], /^sidus: error: MAC 52:54:00:00:00:01 of x1 is already node n001's\n {2}fix: /, 73],
      [['node', 'add', 'x1', '52:54:00:aa:00:01', '--ip', '10.20.3.5'], /^sidus: error: 10\.20\.3\.5 lies in the DHCP pool 10\.20\.3\.0-10\.20\.3\.200/, 64],
      [['node', 'add', 'x1', '52:54:00:aa:00:01', '--instance', 'sid64'], /^sidus: error: unknown instance sid64/, 66],
      [['node', 'set', 'n[479-481]', '--mode', 'aufs'], /^sidus: error: no node n481 in /, 66],
    ]
    for (const [args, message, code] of cases) {
      const r = await sidus(args, { env: world.env })
      expect(r.stderr, args.join(' ')).toMatch(message)
      expect(r.exitCode, args.join(' ')).toBe(code)
    }
    expect(readFileSync(nodesFile, 'utf8')).toBe(before)
  })
})
