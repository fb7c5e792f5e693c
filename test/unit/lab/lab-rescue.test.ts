import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkArgs } from '../../../src/lab/boot.js'
import { evaluateChecks, type BootFacts } from '../../../src/lab/checks.js'
import { parseProbe } from '../../../src/lab/console.js'
import { labPlan } from '../../../src/lab/plan.js'
import { checkLabOnce, RESCUE_CHECK_DROPIN } from '../../../src/lab/rescue.js'
import { splitKernelArgs } from '../../../src/publish/cmdline.js'
import { defaultConfig } from '../../../src/config/schema.js'

/** the check script's report after the boot settled (its last lines), as the console carries them */
const report = (targets: string, emergency?: string) => parseProbe([
  'SIDUS-LAB n0nce begin uptime=60.1',
  `SIDUS-LAB n0nce target ${targets}`,
  ...(emergency === undefined ? [] : [`SIDUS-LAB n0nce emergency ${emergency}`]),
  'SIDUS-LAB n0nce end',
].join('\r\n'), 'n0nce')
const facts = (probe: BootFacts['probe'], more: Partial<BootFacts> = {}): BootFacts => ({
  mac: '52:54:00:e2:e0:07', server: '10.213.72.254', rootPath: '/srv/nfsroot/trixie64', mode: 'overlay', dnsmasqLog: '', bootFiles: [], tftpRoot: '/srv/tftp',
  probe, probeOnServer: false, loginSeen: false, inNetwork: () => true, ...more,
})
const last = (f: BootFacts) => evaluateChecks(f).at(-1)!
const RESCUED = 'emergency.target=active multi-user.target=inactive'

describe('a rescue boot in the lab', () => {
  it('passes on emergency.target with sulogin on the console, no multi-user, no login prompt', () => {
    const c = last(facts(report(RESCUED, 'systemd-sulogin- sulogin'), { rescue: true }))
    expect(c).toMatchObject({ name: 'rescue', ok: true })
    expect(c.detail).toContain('emergency.target active, multi-user.target inactive')
  })

  it('fails on a normal boot, a missing report, a locked root, a login prompt', () => {
    expect(last(facts(report('emergency.target=inactive multi-user.target=active', ''), { rescue: true, loginSeen: true })))
      .toEqual({ name: 'rescue', ok: false, detail: 'not a rescue boot: emergency.target is not active; multi-user.target is active; no sulogin in emergency.service (it runs: nothing); a login prompt showed on the console (the client reports emergency.target inactive, multi-user.target active)' })
    expect(last(facts(parseProbe('', 'n0nce'), { rescue: true })).detail).toContain('(the client reports not reported)')
    expect(last(facts(report(RESCUED, 'systemd-sulogin- sulogin'), { rescue: true, rootLocked: true })).detail).toContain('the root account is locked')
  })

  it('a normal boot passes its login check on multi-user.target only', () => {
    expect(last(facts(report('emergency.target=inactive multi-user.target=active'), { loginSeen: true }))).toMatchObject({ name: 'login', ok: true })
    expect(last(facts(report(RESCUED), { loginSeen: true }))).toMatchObject({ name: 'login', ok: false })
  })

  it('the lab\'s kernel arguments: the check wanted by the boot\'s target; on a rescue boot, freed of its default dependencies by a credential drop-in', () => {
    const plan = labPlan(defaultConfig())
    const normal = splitKernelArgs(checkArgs(plan, 'n0nce'))
    expect(normal).toEqual(expect.arrayContaining(['systemd.unit=multi-user.target', 'systemd.wants=kernel-command-line.service']))
    expect(normal.some((a) => a.startsWith('systemd.set_credential'))).toBe(false)
    const cred = splitKernelArgs(checkArgs(plan, 'n0nce', true)).find((a) => a.startsWith('systemd.set_credential_binary='))!
    const [id, b64] = cred.slice('systemd.set_credential_binary='.length).split(':')
    expect(id).toBe('systemd.unit-dropin.kernel-command-line.service')
    expect(Buffer.from(b64, 'base64').toString()).toBe(RESCUE_CHECK_DROPIN)
  })
})

describe('what the lab boots once', () => {
  /** a root whose dpkg status says which systemd it has */
  const rootWith = (systemd: string) => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'sidus-rescue-'))
    mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true })
    writeFileSync(path.join(root, 'var/lib/dpkg/status'), `Package: systemd\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${systemd}\n\nPackage: dracut\nStatus: install ok installed\nVersion: 106-5\n`)
    return root
  }
  const base = { name: 'trixie64', mac: '52:54:00:e2:e0:07', node: 'n-trixie', loader: 'ipxe-http' as const }

  it('rescue, of a node, over HTTP, of a root with systemd 256 or later; everything else refused with the way out', async () => {
    const trixie = rootWith('257.13-1~deb13u1')
    const bookworm = rootWith('252.38-1~deb12u1')
    try {
      await expect(checkLabOnce('rescue', { ...base, root: trixie })).resolves.toBeUndefined()
      await expect(checkLabOnce('rescue', { ...base, root: bookworm })).rejects.toThrow('trixie64 has systemd 252: the lab checks a rescue boot from inside with systemd 256 or later')
      await expect(checkLabOnce('local', { ...base, root: trixie })).rejects.toThrow('the lab boots and checks --once rescue only, not local')
      await expect(checkLabOnce('bookworm64:aufs', { ...base, root: trixie })).rejects.toMatchObject({ suggestion: 'boot the instance itself: sidus lab boot bookworm64 --mac 52:54:00:e2:e0:07' })
      await expect(checkLabOnce('rescue', { ...base, node: undefined, root: trixie })).rejects.toThrow('--once needs a node of the inventory: 52:54:00:e2:e0:07 is none')
      await expect(checkLabOnce('rescue', { ...base, loader: 'pxelinux', root: trixie })).rejects.toThrow('--once is served by sidus serve: it needs an HTTP boot')
    } finally {
      rmSync(trixie, { recursive: true, force: true })
      rmSync(bookworm, { recursive: true, force: true })
    }
  })
})
