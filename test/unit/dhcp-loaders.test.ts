import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { defaultConfig, type SidusConfig } from '../../src/config/schema.js'
import { LOADER_FILES } from '../../src/domain/tftp.js'
import { planTree } from '../../src/publish/plan.js'
import { loadMenuTemplates } from '../../src/publish/templates.js'
import { renderDnsmasq, renderIscDhcp, type ServerModel } from '../../src/services/index.js'
import { fakeInstance } from '../helpers/boot-tree.js'

/**
 * Every file a DHCP render hands out (per mode and client architecture) is a path the
 * publish plan puts in the tree: the DHCP side and the publish side cannot drift apart.
 */

/** The boot file names in a rendered DHCP config: ISC `filename`, dnsmasq `dhcp-boot` and `pxe-service`. */
function handedOut(text: string): { arch: string; file: string }[] {
  const out: { arch: string; file: string }[] = []
  for (const m of text.matchAll(/^\s*(?:if|} elsif) option architecture-type = (\S+) \{\n\s*filename "([^"]+)";/gm)) out.push({ arch: `isc ${m[1]}`, file: m[2] })
  for (const m of text.matchAll(/^\s*if exists user-class and option user-class = "iPXE" \{\n\s*filename "([^"]+)";/gm)) out.push({ arch: 'isc user-class iPXE', file: m[1] })
  for (const m of text.matchAll(/^\s*} else \{\n\s*filename "([^"]+)";/gm)) out.push({ arch: 'isc other', file: m[1] })
  for (const m of text.matchAll(/^dhcp-boot=((?:tag:[^,]+,)*)([^,\n]+)/gm)) out.push({ arch: `dnsmasq ${m[1] || 'any'}`, file: m[2] })
  for (const m of text.matchAll(/^pxe-service=(tag:[^,]+),([^,]+),"[^"]*",([^,\n]+)/gm)) out.push({ arch: `proxy ${m[1]} ${m[2]}`, file: m[3] })
  return out
}

let dir: string
let config: SidusConfig
let published: Set<string>

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-dhcp-loaders-'))
  const host = path.join(dir, 'host')
  // the host's loader packages, as empty files where Debian installs them
  for (const l of LOADER_FILES) {
    mkdirSync(path.dirname(path.join(host, l.source)), { recursive: true })
    writeFileSync(path.join(host, l.source), '')
  }
  config = defaultConfig()
  config.paths = { ...config.paths, roots: path.join(dir, 'roots'), tftp: path.join(dir, 'tftp'), state: path.join(dir, 'state') }
  mkdirSync(config.paths.tftp, { recursive: true })
  fakeInstance(config.paths.roots, 'bookworm64', ['6.1.0-50-amd64'], { kernelBytes: 16, initrdBytes: 16 })
  const plan = await planTree(config, { hostRoot: host, masters: {}, templates: await loadMenuTemplates() })
  published = new Set(plan.desired.map((d) => d.path))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const model = (loader: SidusConfig['boot']['loader'] = 'pxelinux'): ServerModel => ({ config: { ...config, boot: { ...config.boot, loader } }, instances: ['bookworm64'], masters: {} })

/** What iPXE is sent to over HTTP: sidus serve's boot script on server.address:http.port (not a file of the tree). */
const HTTP_SCRIPT = 'http://10.20.17.254:8470/ipxe/boot.ipxe'
/** A file of the published tree, or sidus serve's script URL. */
const servable = (file: string) => published.has(file) || file === HTTP_SCRIPT

describe('every loader a DHCP render hands out is in the published tree', () => {
  const renders: [string, () => string, string[]][] = [
    // BIOS (00:00), EFI x64 (00:07, 00:09), EFI ia32 (00:06), anything else
    ['isc', () => renderIscDhcp(model()), ['isc 00:00', 'isc 00:07', 'isc 00:09', 'isc 00:06', 'isc other']],
    ['dnsmasq', () => renderDnsmasq(model(), { mode: 'dnsmasq', tftp: true }), ['tag:efi-x86_64', 'tag:efi-x86,', 'tag:!efi-x86_64,tag:!efi-x86']],
    // firmware gets iPXE, iPXE (user class) gets the script: BIOS and EFI x64
    ['proxy', () => renderDnsmasq(model(), { mode: 'proxy', tftp: true }), ['tag:!ipxe x86PC', 'tag:ipxe x86PC', 'tag:!ipxe x86-64_EFI', 'tag:ipxe x86-64_EFI']],
    ['proxy beside another TFTP server', () => renderDnsmasq(model(), { mode: 'proxy', tftp: false }), ['tag:!ipxe x86PC', 'tag:ipxe x86-64_EFI']],
  ]
  test.each(renders)('%s (pxelinux)', (_mode, render, arches) => {
    const files = handedOut(render())
    for (const arch of arches) expect(files.some((f) => f.arch.includes(arch)), `${arch} is offered`).toBe(true)
    for (const { arch, file } of files) {
      expect(published.has(file), `${arch} → ${file} is written by publish`).toBe(true)
    }
  })

  const httpRenders: [string, () => string, string[]][] = [
    ['isc', () => renderIscDhcp(model('ipxe-http')), ['isc user-class iPXE', 'isc 00:00', 'isc 00:07', 'isc 00:09', 'isc 00:06', 'isc other']],
    ['dnsmasq', () => renderDnsmasq(model('ipxe-http'), { mode: 'dnsmasq', tftp: true }), ['tag:ipxe,', 'tag:!ipxe,tag:efi-x86_64', 'tag:!ipxe,tag:efi-x86,', 'tag:!ipxe,tag:!efi-x86_64,tag:!efi-x86']],
    ['proxy', () => renderDnsmasq(model('ipxe-http'), { mode: 'proxy', tftp: true }), ['tag:!ipxe x86PC', 'tag:ipxe x86PC', 'tag:!ipxe x86-64_EFI', 'tag:ipxe x86-64_EFI']],
    ['proxy beside another TFTP server', () => renderDnsmasq(model('ipxe-http'), { mode: 'proxy', tftp: false }), ['tag:!ipxe x86PC', 'tag:ipxe x86-64_EFI']],
  ]
  test.each(httpRenders)('%s (ipxe-http): firmware gets a published iPXE, iPXE the HTTP script', (_mode, render, arches) => {
    const files = handedOut(render())
    for (const arch of arches) expect(files.some((f) => f.arch.includes(arch)), `${arch} is offered`).toBe(true)
    for (const { arch, file } of files) expect(servable(file), `${arch} → ${file} is published or served`).toBe(true)
    // iPXE's user class gets the URL, and only it does
    const toHttp = files.filter((f) => f.file === HTTP_SCRIPT).map((f) => f.arch)
    expect(toHttp.length).toBeGreaterThan(0)
    for (const arch of toHttp) expect(arch).toMatch(/user-class iPXE|tag:ipxe/)
    expect(files.filter((f) => /tag:ipxe|user-class/.test(f.arch)).every((f) => f.file === HTTP_SCRIPT)).toBe(true)
    // BIOS firmware is chained to iPXE (ia32 EFI keeps syslinux: Debian has no ia32 iPXE)
    expect(files.filter((f) => /00:00|!efi-x86_64,tag:!efi-x86|!ipxe x86PC/.test(f.arch)).map((f) => f.file)).toContain('undionly.kpxe')
  })

  test('the iPXE script the user class gets is published', () => {
    const files = handedOut(renderDnsmasq(model(), { mode: 'proxy', tftp: true }))
    expect(files.filter((f) => f.arch.startsWith('proxy tag:ipxe ')).map((f) => f.file)).toEqual(['sidus.ipxe', 'sidus.ipxe'])
    // ipxe-http: the URL, whose script chains the per-MAC file and the menu, both published
    const http = handedOut(renderDnsmasq(model('ipxe-http'), { mode: 'proxy', tftp: true }))
    expect(http.filter((f) => f.arch.startsWith('proxy tag:ipxe ')).map((f) => f.file)).toEqual([HTTP_SCRIPT, HTTP_SCRIPT])
    expect(published.has('sidus.ipxe')).toBe(true)
  })

  test('a loader publish does not write is caught (the check can fail)', () => {
    const text = renderDnsmasq(model(), { mode: 'proxy', tftp: true }) + 'pxe-service=tag:!ipxe,ARM64_EFI,"sidus: iPXE",arm64/snponly.efi\n'
    expect(handedOut(text).filter((f) => !published.has(f.file)).map((f) => f.file)).toEqual(['arm64/snponly.efi'])
    const http = renderDnsmasq(model('ipxe-http'), { mode: 'dnsmasq', tftp: true }).replace('undionly.kpxe', 'ipxe.pxe')
    expect(handedOut(http).filter((f) => !servable(f.file)).map((f) => f.file)).toEqual(['ipxe.pxe'])
  })
})
