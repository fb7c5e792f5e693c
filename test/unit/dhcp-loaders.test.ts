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

const model = (): ServerModel => ({ config, instances: ['bookworm64'], masters: {} })

describe('every loader a DHCP render hands out is in the published tree', () => {
  const renders: [string, () => string, string[]][] = [
    // BIOS (00:00), EFI x64 (00:07, 00:09), EFI ia32 (00:06), anything else
    ['isc', () => renderIscDhcp(model()), ['isc 00:00', 'isc 00:07', 'isc 00:09', 'isc 00:06', 'isc other']],
    ['dnsmasq', () => renderDnsmasq(model(), { mode: 'dnsmasq', tftp: true }), ['tag:efi-x86_64', 'tag:efi-x86,', 'tag:!efi-x86_64,tag:!efi-x86']],
    // firmware gets iPXE, iPXE (user class) gets the script: BIOS and EFI x64
    ['proxy', () => renderDnsmasq(model(), { mode: 'proxy', tftp: true }), ['tag:!ipxe x86PC', 'tag:ipxe x86PC', 'tag:!ipxe x86-64_EFI', 'tag:ipxe x86-64_EFI']],
    ['proxy beside another TFTP server', () => renderDnsmasq(model(), { mode: 'proxy', tftp: false }), ['tag:!ipxe x86PC', 'tag:ipxe x86-64_EFI']],
  ]
  test.each(renders)('%s', (_mode, render, arches) => {
    const files = handedOut(render())
    for (const arch of arches) expect(files.some((f) => f.arch.includes(arch)), `${arch} is offered`).toBe(true)
    for (const { arch, file } of files) {
      expect(published.has(file), `${arch} → ${file} is written by publish`).toBe(true)
    }
  })

  test('the iPXE script the user class gets is published', () => {
    const files = handedOut(renderDnsmasq(model(), { mode: 'proxy', tftp: true }))
    expect(files.filter((f) => f.arch.startsWith('proxy tag:ipxe ')).map((f) => f.file)).toEqual(['sidus.ipxe', 'sidus.ipxe'])
  })

  test('a loader publish does not write is caught (the check can fail)', () => {
    const text = renderDnsmasq(model(), { mode: 'proxy', tftp: true }) + 'pxe-service=tag:!ipxe,ARM64_EFI,"sidus: iPXE",arm64/snponly.efi\n'
    expect(handedOut(text).filter((f) => !published.has(f.file)).map((f) => f.file)).toEqual(['arm64/snponly.efi'])
  })
})
