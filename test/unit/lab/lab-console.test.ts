import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { evaluateChecks, firstAckAt, leaseOf, tftpSent, type BootFacts } from '../../../src/lab/checks.js'
import { ConsoleWatcher, parseProbe } from '../../../src/lab/console.js'

// excerpts of real lab boots (console and dnsmasq log) of bookworm64 from this lab
const fixture = (f: string) => readFileSync(path.join(__dirname, '../../fixtures/lab', f), 'utf8')
const overlay = fixture('console-overlay.log')
const master = fixture('console-master.log')
const dnsmasq = fixture('dnsmasq.log')
const nonceOf = (text: string) => /SIDUS-LAB (\w+) begin/.exec(text)![1]
const TFTP = '/var/tmp/lab-scratch/world/state/lab/tftp'
const ROOT = '/var/tmp/lab-scratch/world/roots/bookworm64'

describe('parseProbe', () => {
  it('reads the overlay client report', () => {
    const p = parseProbe(overlay, nonceOf(overlay))
    expect(p.begun && p.ended).toBe(true)
    expect(p.addresses).toEqual(['10.213.57.186'])
    expect(p.root?.fstype).toBe('overlay')
    expect(p.mounts).toContainEqual({ fstype: 'nfs', source: `10.213.57.254:${ROOT}`, target: '/run/sidus/ro' })
    expect(p.write).toBe('ok')
  })
  it('reads marker lines even when the login prompt is printed in front of them', () => {
    const p = parseProbe(master, nonceOf(master))
    expect(p.root).toMatchObject({ fstype: 'nfs', source: `10.213.57.254:${ROOT}` })
    expect(p.root?.options).toContain('rw')
    expect(p.mounts.length).toBeGreaterThan(0)
  })
  it('reads the client\'s host name and release, and leaves them unset when the script printed none', () => {
    const nonce = nonceOf(overlay)
    const p = parseProbe(`${overlay}\r\nSIDUS-LAB ${nonce} host n042\r\nSIDUS-LAB ${nonce} os trixie\r\n`, nonce)
    expect(p).toMatchObject({ hostname: 'n042', codename: 'trixie' })
    expect(parseProbe(`SIDUS-LAB ${nonce} host \nSIDUS-LAB ${nonce} os\n`, nonce)).toMatchObject({ hostname: undefined, codename: undefined })
  })
  it('ignores lines of another boot (other nonce)', () => {
    const p = parseProbe(overlay, 'ffffffffffff')
    expect(p.begun).toBe(false)
    expect(p.root).toBeUndefined()
  })
})

describe('ConsoleWatcher', () => {
  it('stamps each milestone the first time it shows up', () => {
    const w = new ConsoleWatcher(1000)
    w.update('', 2000)
    w.update(overlay.split('\n')[0], 11_000)
    expect(w.timings).toEqual({ kernel: 10 })
    w.update(overlay, 61_000)
    expect(w.timings).toMatchObject({ kernel: 10, root: 60, login: 60 })
  })
})

describe('dnsmasq log', () => {
  it('finds the lease, the files sent and the time of the first ACK', () => {
    expect(leaseOf(dnsmasq, '52:54:00:5D:00:01')).toBe('10.213.57.186')
    const sent = tftpSent(dnsmasq, TFTP, '10.213.57.186')
    expect(sent).toContain('pxelinux.0')
    expect(sent).toContain('vmlinuz-6.1.0-50-amd64@bookworm64')
    expect(firstAckAt(dnsmasq, '52:54:00:5d:00:01', 2026)).toBe(new Date(2026, 10, 22, 2, 43, 26).getTime())
    expect(leaseOf(dnsmasq, '52:54:00:99:99:99')).toBeUndefined()
  })
})

describe('evaluateChecks', () => {
  const facts = (over: Partial<BootFacts>): BootFacts => ({
    mac: '52:54:00:5d:00:01', server: '10.213.57.254', rootPath: ROOT, mode: 'overlay', dnsmasqLog: dnsmasq,
    bootFiles: ['vmlinuz-6.1.0-50-amd64@bookworm64', 'initrd.img-6.1.0-50-amd64@bookworm64'], tftpRoot: TFTP,
    probe: parseProbe(overlay, nonceOf(overlay)), probeOnServer: false, loginSeen: true,
    inNetwork: (ip) => ip.startsWith('10.213.57.'), ...over,
  })
  it('passes every check of a good overlay boot', () => {
    const checks = evaluateChecks(facts({}))
    expect(checks.map((c) => [c.name, c.ok])).toEqual([['dhcp', true], ['tftp', true], ['root', true], ['write', true], ['login', true]])
  })
  it('fails the write check when an overlay client wrote through to the server', () => {
    expect(evaluateChecks(facts({ probeOnServer: true })).find((c) => c.name === 'write')?.ok).toBe(false)
  })
  it('fails the root check when an overlay was expected but / is the NFS root', () => {
    expect(evaluateChecks(facts({ probe: parseProbe(master, nonceOf(master)) })).find((c) => c.name === 'root')?.ok).toBe(false)
  })
  it('wants the master to write through, and a read-write NFS root', () => {
    const probe = parseProbe(master, nonceOf(master))
    const ok = evaluateChecks(facts({ mode: 'rw', mac: '52:54:00:5d:00:02', probe, probeOnServer: true }))
    expect(ok.find((c) => c.name === 'root')?.ok).toBe(true)
    expect(ok.find((c) => c.name === 'write')?.ok).toBe(true)
    expect(evaluateChecks(facts({ mode: 'rw', probe, probeOnServer: false })).find((c) => c.name === 'write')?.ok).toBe(false)
  })
  it('fails dhcp and tftp when the lab never saw the client', () => {
    const checks = evaluateChecks(facts({ dnsmasqLog: '', loginSeen: false }))
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['dhcp', 'tftp', 'login'])
  })
})
