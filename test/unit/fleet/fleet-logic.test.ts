import { execa } from 'execa'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { shellJoin, shellQuote } from '../../../src/fleet/quote.js'
import { gatherOutputs } from '../../../src/fleet/run.js'
import { statusTotals, type NodeStatus } from '../../../src/fleet/status.js'
import { instanceOfRoot, isFull, parseProbe, staleReasons } from '../../../src/fleet/probe.js'
import { mapPool } from '../../../src/fleet/pool.js'
import { batches } from '../../../src/fleet/reboot.js'
import { fingerprint, KnownHosts, keyType, parseKnownHosts } from '../../../src/fleet/known-hosts.js'
import { resolveTargets } from '../../../src/fleet/targets.js'
import { tempCtx } from '../../helpers/config.js'

describe('shell quoting of a command sent over SSH', () => {
  const words = ['plain', '', 'two words', "it's", '$HOME', '`id`', 'a;b', 'x\ny', '"q"', '\\', '*', '-n', 'é']
  test('each word comes back as itself from a real sh', async () => {
    const r = await execa('sh', ['-c', `printf '%s\\0' ${shellJoin(words)}`])
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(words)
  })
  test('simple words stay readable, the rest is single-quoted', () => {
    expect(shellQuote('/usr/bin/uptime')).toBe('/usr/bin/uptime')
    expect(shellQuote('')).toBe("''")
    expect(shellQuote("it's")).toBe("'it'\\''s'")
    expect(shellJoin(['echo', 'a b'])).toBe("echo 'a b'")
  })
})

describe('gather (clush -b)', () => {
  test('identical outputs folded under their node set; unreachable nodes left out', () => {
    const g = gatherOutputs([
      { name: 'n01', stdout: 'same\n', stderr: '' },
      { name: 'n03', stdout: 'other\n', stderr: '' },
      { name: 'n02', stdout: 'same\n', stderr: '' },
      { name: 'n04', stdout: '', stderr: '', error: 'down' },
      { name: 'n05', stdout: 'same\n', stderr: '' },
    ])
    expect(g.map((x) => [x.nodes, x.output])).toEqual([['n[01-02,05]', 'same\n'], ['n03', 'other\n']])
  })
})

const probe = (over: Partial<ReturnType<typeof parseProbe>> = {}) => ({ ...parseProbe(''), ...over })

describe('status logic', () => {
  test('the probe lines parsed; no generation file means generation 1', () => {
    const p = parseProbe('generation=3\nstate_requested=overlay\nstate_mode=overlay\nstate_size=\ncmdline_root=nfs:10.0.0.1:/srv/nfsroot/bookworm64:vers=3,tcp\nkernel=6.1.0-9-amd64\nuptime=3600\nload=0.10 0.20 0.30\nboot_id=abc\noverlay_use=81\nnoise\n')
    expect(p).toEqual({ generation: 3, instance: 'bookworm64', mode: 'overlay', requestedMode: 'overlay', kernel: '6.1.0-9-amd64', uptimeSeconds: 3600, load: '0.10 0.20 0.30', bootId: 'abc', overlayUse: 81 })
    expect(parseProbe('kernel=x').generation).toBe(1)
    expect(instanceOfRoot('/dev/sda1')).toBeUndefined()
  })
  test('stale: another generation, kernel or instance than the live root; unknown live root: no verdict', () => {
    const live = { instance: 'demo', generation: 2, kernel: '6.1.0-10-amd64' }
    expect(staleReasons(probe({ generation: 2, kernel: '6.1.0-10-amd64', instance: 'demo' }), live)).toEqual([])
    expect(staleReasons(probe({ generation: 1, kernel: '6.1.0-9-amd64', instance: 'other' }), live)).toEqual([
      'booted other, assigned demo', 'generation 1, live 2', 'kernel 6.1.0-9-amd64, live 6.1.0-10-amd64',
    ])
    expect(staleReasons(probe({ generation: 1 }), undefined)).toEqual([])
    // a root with no kernel yet: generation alone decides
    expect(staleReasons(probe({ generation: 2, kernel: 'x' }), { instance: 'demo', generation: 2 })).toEqual([])
  })
  test('full from 80 %', () => {
    expect(isFull(probe({ overlayUse: 79 }))).toBe(false)
    expect(isFull(probe({ overlayUse: 80 }))).toBe(true)
    expect(isFull(probe())).toBe(false)
  })
  test('totals: every row not up is down', () => {
    const row = (state: NodeStatus['state'], stale: string[] = [], full = false): NodeStatus => ({ name: 'n', state, stale, full, boot: stale.length > 0 ? 'needs reboot' : 'current' })
    expect(statusTotals([row('up'), row('up', ['generation 1, live 2'], true), row('timeout'), row('no address'), row('hostkey mismatch'), row('down')]))
      .toEqual({ nodes: 6, up: 2, down: 4, stale: 1, full: 1 })
  })
})

describe('pool and batches', () => {
  test('never more than the limit in flight, results in order', async () => {
    let inFlight = 0
    let most = 0
    const out = await mapPool([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      most = Math.max(most, ++inFlight)
      await new Promise((r) => setTimeout(r, n * 3))
      inFlight--
      return n * 10
    })
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60])
    expect(most).toBe(3)
  })
  test('batches of N, the last one shorter', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
  })
})

describe('known hosts', () => {
  // ssh-ed25519 blob: string "ssh-ed25519" + 32 key bytes
  const blob = (fill: number) => Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, fill)])
  test('learned at first contact (file 0600), refused when changed, with both fingerprints', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sidus-kh-')), 'ssh/known_hosts')
    const k = new KnownHosts(file)
    await expect(k.check('n01', blob(1))).resolves.toEqual({ ok: true, learned: true })
    await expect(k.check('n01', blob(1))).resolves.toEqual({ ok: true, learned: false })
    expect(readFileSync(file, 'utf8')).toBe(`n01 ssh-ed25519 ${blob(1).toString('base64')}\n`)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const again = new KnownHosts(file)
    await expect(again.check('n01', blob(2))).resolves.toEqual({ ok: false, known: fingerprint(blob(1)), offered: fingerprint(blob(2)) })
    expect(keyType(blob(1))).toBe('ssh-ed25519')
    expect(fingerprint(blob(1))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })
  test('nodes first met at once are all learned (one read of the file for the run, shared)', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sidus-kh-')), 'ssh/known_hosts')
    const k = new KnownHosts(file)
    const names = ['n01', 'n02', 'n03', 'n04', 'n05', 'n06', 'n07']
    const results = await Promise.all(names.map((n, i) => k.check(n, blob(i + 1))))
    expect(results.every((r) => r.ok && r.learned)).toBe(true)
    expect([...parseKnownHosts(readFileSync(file, 'utf8')).keys()].sort()).toEqual(names)
    // and the next run knows every one of them
    const again = new KnownHosts(file)
    for (const [i, n] of names.entries()) await expect(again.check(n, blob(i + 1))).resolves.toEqual({ ok: true, learned: false })
  })
  test('ssh-keygen agrees on the fingerprint', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-kh-'))
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')])
    const pub = readFileSync(path.join(dir, 'k.pub'), 'utf8').split(' ')
    const ours = fingerprint(Buffer.from(pub[1], 'base64'))
    expect((await execa('ssh-keygen', ['-l', '-f', path.join(dir, 'k.pub')])).stdout).toContain(ours)
    writeFileSync(path.join(dir, 'kh'), `# comment\nn01 ${pub[0]} ${pub[1]}\n`)
    expect([...parseKnownHosts(readFileSync(path.join(dir, 'kh'), 'utf8')).keys()]).toEqual(['n01'])
  })
})

describe('node addresses', () => {
  test('inventory address, else the latest DHCP lease, else none', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-targets-'))
    const ctx = tempCtx(dir, ['demo'])
    writeFileSync(path.join(dir, 'nodes.yaml'), 'nodes:\n  n01: {mac: "52:54:00:00:00:01", ip: 10.20.17.11}\n  n02: {mac: "52:54:00:00:00:02"}\n  n03: {mac: "52:54:00:00:00:03"}\n')
    const leases = path.join(dir, 'leases')
    writeFileSync(leases, '100 52:54:00:00:00:02 10.20.17.150 * *\n200 52:54:00:00:00:02 10.20.17.151 n02 *\n')
    expect(await resolveTargets(ctx, undefined, { leaseFile: leases })).toEqual([
      { name: 'n01', mac: '52:54:00:00:00:01', address: '10.20.17.11', addressFrom: 'inventory', instance: 'demo' },
      { name: 'n02', mac: '52:54:00:00:00:02', address: '10.20.17.151', addressFrom: 'lease', instance: 'demo' },
      { name: 'n03', mac: '52:54:00:00:00:03', address: undefined, addressFrom: undefined, instance: 'demo' },
    ])
    // no lease file at all: the nodes are still listed, without an address
    expect((await resolveTargets(ctx, 'n03', { leaseFile: path.join(dir, 'none') }))[0].address).toBeUndefined()
  })
})

describe('assets/fleet/status.sh', () => {
  test('runs under a plain sh and says what parseProbe reads', async () => {
    const { assetPath } = await import('../../../src/assets.js')
    const r = await execa('sh', [assetPath('fleet/status.sh')])
    const p = parseProbe(r.stdout)
    expect(p.kernel).toBe(os.release())
    expect(p.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim())
    expect(p.uptimeSeconds).toBeGreaterThan(0)
    expect(p.load).toMatch(/^[\d.]+ [\d.]+ [\d.]+$/)
    expect(r.stderr).toBe('')
  })
})

describe('one node\'s status row', () => {
  const target = { name: 'n01', mac: '52:54:00:00:00:01', address: '10.20.17.11', instance: 'demo' }
  const answer = (text: string) => () => Promise.resolve(text)
  const live = { instance: 'demo', generation: 2, kernel: '6.1.0-10-amd64' }
  test('current, needs reboot, or unknown without a live root', async () => {
    const { probeNode } = await import('../../../src/fleet/status.js')
    expect((await probeNode(target, answer('generation=2\nkernel=6.1.0-10-amd64\n'), live)).boot).toBe('current')
    expect(await probeNode(target, answer('kernel=6.1.0-10-amd64\n'), live)).toMatchObject({ state: 'up', boot: 'needs reboot', stale: ['generation 1, live 2'] })
    expect((await probeNode(target, answer('generation=2\n'), undefined)).boot).toBe('unknown')
  })
  test('a node that fails is a row naming why, never a throw', async () => {
    const { probeNode } = await import('../../../src/fleet/status.js')
    const { HostKeyMismatchError, NodeTimeoutError } = await import('../../../src/fleet/connect.js')
    const failing = (e: Error) => () => Promise.reject(e)
    expect(await probeNode(target, failing(new NodeTimeoutError('n01 did not answer')), live)).toMatchObject({ state: 'timeout', error: 'n01 did not answer', boot: 'unknown' })
    expect(await probeNode(target, failing(new HostKeyMismatchError('changed', { suggestion: 'sidus ssh-key forget n01' })), live)).toMatchObject({ state: 'hostkey mismatch', error: 'changed (fix: sidus ssh-key forget n01)' })
    expect(await probeNode(target, failing(new Error('connect ECONNREFUSED')), live)).toMatchObject({ state: 'down', error: 'connect ECONNREFUSED' })
    expect(await probeNode({ ...target, address: undefined }, answer(''), live)).toMatchObject({ state: 'no address' })
  })
})
