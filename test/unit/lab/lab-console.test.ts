import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { acksOf, evaluateChecks, firstAckAt, leaseOf, splitSent, tftpSent, type BootFacts } from '../../../src/lab/checks.js'
import { ConsoleWatcher, parseProbe, systemdSeconds } from '../../../src/lab/console.js'

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
    // a kernel message run into the line on the serial console (seen in the lab: `n-trixie[`)
    expect(parseProbe(`SIDUS-LAB ${nonce} host n-trixie[   45.120817] random: crng init done\r\nSIDUS-LAB ${nonce} os trixie[   46.0] x\r\n`, nonce)).toMatchObject({ hostname: 'n-trixie', codename: 'trixie' })
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

  it('counts the leases each MAC took (the excerpt: five for 01 over its boots, two for the master, 02)', () => {
    expect(acksOf(dnsmasq, '52:54:00:5D:00:01')).toBe(5)
    expect(acksOf(dnsmasq, '52:54:00:5d:00:02')).toBe(2)
    expect(acksOf(dnsmasq, '52:54:00:99:99:99')).toBe(0)
    const other = 'Nov 22 02:43:26 dnsmasq-dhcp[9]: DHCPACK(sidus-br0) 10.213.57.190 52:54:00:5d:00:02 n002\n'
    expect(acksOf(dnsmasq + other, '52:54:00:5d:00:01')).toBe(5)
    expect(acksOf(other, '52:54:00:5d:00:02')).toBe(1)
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
  it("over HTTP, a split initrd's base and one piece stand for the whole initrd; base alone does not", () => {
    const http = (files: string[]) => evaluateChecks(facts({ httpSent: files })).find((c) => c.name === 'http')!
    const split = ['/vmlinuz-6.1.0-50-amd64@bookworm64', '/nics/6.1.0-50-amd64@bookworm64/base.img', '/nics/6.1.0-50-amd64@bookworm64/pci-1af4.img']
    expect(http(split)).toMatchObject({ ok: true, detail: expect.stringContaining('nics/6.1.0-50-amd64@bookworm64/base.img + nics/6.1.0-50-amd64@bookworm64/pci-1af4.img') })
    expect(splitSent(split)).toEqual(['nics/6.1.0-50-amd64@bookworm64/base.img', 'nics/6.1.0-50-amd64@bookworm64/pci-1af4.img'])
    expect(http(split.slice(0, 2))).toMatchObject({ ok: false, detail: expect.stringContaining('initrd.img-6.1.0-50-amd64@bookworm64') })
    expect(http(['/vmlinuz-6.1.0-50-amd64@bookworm64', '/initrd.img-6.1.0-50-amd64@bookworm64'])).toMatchObject({ ok: true })
    // the kernel is still wanted
    expect(http(split.slice(1))).toMatchObject({ ok: false, detail: expect.stringContaining('vmlinuz-6.1.0-50-amd64@bookworm64') })
  })
  it('fails dhcp and tftp when the lab never saw the client', () => {
    const checks = evaluateChecks(facts({ dnsmasqLog: '', loginSeen: false }))
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['dhcp', 'tftp', 'login'])
  })
})

describe('the client\'s systemd-analyze lines', () => {
  const n = 'a1b2c3'
  // as check.sh prints them (systemd 252, bookworm, under TCG), with the console's \r and a colour escape
  const lines = [
    `SIDUS-LAB ${n} analyze Startup finished in 6.241s (kernel) + 21.870s (initrd) + 1min 2.107s (userspace) = 1min 30.219s\r`,
    `SIDUS-LAB ${n} analyze multi-user.target reached after 1min 1.950s in userspace.\r`,
    `SIDUS-LAB ${n} chain multi-user.target @1min 1.950s\r`,
    `SIDUS-LAB ${n} chain getty.target @1min 1.941s\r`,
    `SIDUS-LAB ${n} chain serial-getty@ttyS0.service @1min 1.930s\r`,
    `SIDUS-LAB ${n} chain systemd-user-sessions.service @1min 1.100s +812ms\r`,
    `SIDUS-LAB ${n} blame 12.402s e2scrub_reap.service\r`,
    `SIDUS-LAB ${n} blame \u001b[0;1;31m1min 3.5s\u001b[0m apt-daily.service\r`,
    `SIDUS-LAB ${n} blame 950ms rpcbind.service\r`,
    `SIDUS-LAB ${n} units e2scrub_reap.service=masked man-db.timer=not-found apt-daily.timer=loaded\r`,
  ].join('\n')

  it('splits the startup time as systemd does, in seconds', () => {
    const a = parseProbe(lines, n).analyze!
    expect(a.startup).toEqual({ kernel: 6.241, initrd: 21.87, userspace: 62.107, total: 90.219 })
    expect(a.summary).toMatch(/^Startup finished in/)
  })

  it('reads the critical chain from the target down, with each unit\'s own start time where printed', () => {
    const a = parseProbe(lines, n).analyze!
    expect(a.chain[0]).toEqual({ unit: 'multi-user.target', at: 61.95, took: undefined })
    expect(a.chain[3]).toEqual({ unit: 'systemd-user-sessions.service', at: 61.1, took: 0.812 })
    expect(a.chain).toHaveLength(4)
  })

  it('reads blame, the slowest first, through terminal escapes', () => {
    expect(parseProbe(lines, n).analyze!.blame).toEqual([
      { unit: 'e2scrub_reap.service', took: 12.402 }, { unit: 'apt-daily.service', took: 63.5 }, { unit: 'rpcbind.service', took: 0.95 },
    ])
  })

  it('reads the state of the diskless-mask units', () => {
    expect(parseProbe(lines, n).units).toEqual({ 'e2scrub_reap.service': 'masked', 'man-db.timer': 'not-found', 'apt-daily.timer': 'loaded' })
  })

  it('keeps systemd-analyze\'s refusal as the summary, with no split; no analyze at all when none was printed', () => {
    const refused = parseProbe(`SIDUS-LAB ${n} analyze Bootup is not yet finished (org.freedesktop.systemd1.Manager.FinishTimestampMonotonic=0).\n`, n).analyze!
    expect(refused.startup).toEqual({})
    expect(refused.summary).toMatch(/^Bootup is not yet finished/)
    expect(parseProbe(`SIDUS-LAB ${n} begin uptime=3.1\n`, n).analyze).toBeUndefined()
  })

  it('reads systemd time spans and nothing else', () => {
    expect(systemdSeconds('1min 2.345s')).toBe(62.345)
    expect(systemdSeconds('530ms')).toBe(0.53)
    expect(systemdSeconds('2h 1min')).toBe(7260)
    expect(systemdSeconds('120us')).toBe(0)
    expect(systemdSeconds('')).toBeUndefined()
    expect(systemdSeconds('soon')).toBeUndefined()
    expect(systemdSeconds('12 s')).toBeUndefined()
  })
})

describe('a real lab boot\'s analyze lines (bookworm overlay client, our shell-init initrd, a loaded machine)', () => {
  const text = fixture('console-analyze.log')
  const p = parseProbe(text, nonceOf(text))

  it('has no initrd figure: systemd counts our initrd in the kernel\'s time', () => {
    expect(p.analyze?.startup).toEqual({ kernel: 81.894, userspace: 367.693, total: 449.588 })
  })

  it('has the chain from multi-user.target down, escaped unit names as printed, and the top five of blame', () => {
    expect(p.analyze?.chain.map((c) => c.unit).slice(0, 3)).toEqual(['multi-user.target', 'getty.target', 'getty@tty1.service'])
    expect(p.analyze?.chain.find((c) => c.unit === 'networking.service')).toEqual({ unit: 'networking.service', at: 299.844, took: 19.292 })
    expect(p.analyze?.blame).toHaveLength(5)
    expect(p.analyze?.blame[0]).toEqual({ unit: 'modprobe@drm.service', took: 260.892 })
    expect(p.ended).toBe(true)
  })

  it('reports every listed unit masked on the overlay client', () => {
    expect(Object.values(p.units ?? {}).every((s) => s === 'masked')).toBe(true)
    expect(Object.keys(p.units ?? {})).toContain('e2scrub_reap.service')
  })
})
