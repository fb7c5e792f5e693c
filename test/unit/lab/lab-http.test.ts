import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { evaluateChecks, type BootFacts } from '../../../src/lab/checks.js'
import { parseProbe } from '../../../src/lab/console.js'
import { httpSent } from '../../../src/lab/serve.js'

// the real lab boot fixtures (console and dnsmasq log of a bookworm64 overlay client)
const fixture = (f: string) => readFileSync(path.join(__dirname, '../../fixtures/lab', f), 'utf8')
const overlay = fixture('console-overlay.log')
const dnsmasq = fixture('dnsmasq.log')
const nonce = /SIDUS-LAB (\w+) begin/.exec(overlay)![1]
const KERNEL = 'vmlinuz-6.1.0-50-amd64@bookworm64'
const INITRD = 'initrd.img-6.1.0-50-amd64@bookworm64'
const CLIENT = '10.213.57.186'

/** sidus serve's boot log lines (BootEvent JSON) */
const event = (what: string, remote: string, bytes: number, status = 200) =>
  JSON.stringify({ time: '2026-12-01T00:00:00.000Z', mac: null, node: null, instance: null, what, kind: 'file', remote, status, bytes })
const bootLog = [
  event('/ipxe/boot.ipxe', CLIENT, 312),
  event('/ipxe/52-54-00-5d-00-01.ipxe', CLIENT, 142),
  event('/sidus.ipxe', CLIENT, 900),
  event(`/${KERNEL.replace('@', '%40')}`, CLIENT, 8_000_000),
  event(`/${INITRD}`, CLIENT, 30_000_000),
  event('/nothing-here', CLIENT, 20, 404),
  event(`/${KERNEL}`, '10.213.57.187', 8_000_000), // another client
  'not json',
  '',
].join('\n')

describe('HTTP boot in the lab', () => {
  it('counts what sidus serve sent one client: its paths (decoded) and every body byte', () => {
    const sent = httpSent(bootLog, CLIENT)
    expect(sent.files).toEqual(['/ipxe/boot.ipxe', '/ipxe/52-54-00-5d-00-01.ipxe', '/sidus.ipxe', `/${KERNEL}`, `/${INITRD}`])
    expect(sent.bytes).toBe(312 + 142 + 900 + 8_000_000 + 30_000_000 + 20)
    expect(httpSent(bootLog, '10.213.57.9')).toEqual({ files: [], bytes: 0 })
  })

  const facts = (httpFiles?: string[]): BootFacts => ({
    mac: '52:54:00:5d:00:01', server: '10.213.57.254', rootPath: '/var/tmp/lab-scratch/world/roots/bookworm64', mode: 'overlay', dnsmasqLog: dnsmasq,
    bootFiles: [KERNEL, INITRD], tftpRoot: '/var/tmp/lab-scratch/world/state/lab/tftp', httpSent: httpFiles,
    probe: parseProbe(overlay, nonce), probeOnServer: false, loginSeen: true, inNetwork: (ip) => ip.startsWith('10.213.57.'),
  })

  it('an HTTP boot checks the kernel and initrd came from sidus serve', () => {
    const ok = evaluateChecks(facts(httpSent(bootLog, CLIENT).files))
    expect(ok.map((c) => [c.name, c.ok])).toEqual([['dhcp', true], ['http', true], ['root', true], ['write', true], ['login', true]])
    expect(ok[1].detail).toContain(`sent by HTTP: ${KERNEL}, ${INITRD}`)
    const noInitrd = evaluateChecks(facts(['/ipxe/boot.ipxe', `/${KERNEL}`]))
    expect(noInitrd[1]).toEqual({ name: 'http', ok: false, detail: `not sent by the lab's sidus serve: ${INITRD}` })
    // a TFTP boot keeps its own check
    expect(evaluateChecks(facts(undefined))[1].name).toBe('tftp')
  })
})
