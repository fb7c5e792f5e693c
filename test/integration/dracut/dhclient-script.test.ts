/**
 * 90sidus's dhclient script, run for real (dash in a chroot of a small root) in front of the
 * BOUND branch of the root's own dracut dhclient-script (35network-legacy, taken from the bookworm
 * reference root as it is): on a fresh lease dracut's duplicate-address probe is answered at once,
 * sidus.dad=1 on the kernel line keeps it, and every other reason passes through untouched.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assetPath } from '../../../src/assets.js'
import { addHostDash, makeBusyboxRoot } from '../../helpers/busybox-root.js'
import { ensureRefRoot } from '../../helpers/ref-root.js'

const DRACUT_SCRIPT = '/usr/lib/dracut/modules.d/35network-legacy/dhclient-script.sh'
let ref: string
let dir: string
let root: string

/** dracut's BOUND branch up to the point where it sets the address up (the probe included), verbatim */
function boundBranch(): string {
  const lines = readFileSync(`${ref}${DRACUT_SCRIPT}`, 'utf8').split('\n')
  const start = lines.findIndex((l) => /^\s*BOUND\)\s*$/.test(l))
  const end = lines.findIndex((l, i) => i > start && /^\s*setup_interface\s*$/.test(l))
  expect(start, 'a BOUND) branch in dracut\'s dhclient-script').toBeGreaterThan(0)
  expect(end, 'setup_interface in its BOUND branch').toBeGreaterThan(start)
  return lines.slice(start, end).join('\n')
}

beforeAll(async () => {
  ref = await ensureRefRoot()
  dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-dhclient-script-'))
  root = makeBusyboxRoot(path.join(dir, 'root'))
  // dash, as the initrd runs it (dracut's dash module), with its libraries
  for (const d of ['sbin', 'usr/bin']) mkdirSync(path.join(root, d), { recursive: true })
  addHostDash(root)
  // dracut's script: its own PATH, its warn, then the BOUND branch as dracut ships it
  writeFileSync(path.join(root, 'sbin/dhclient-script'), [
    '#!/bin/sh', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'warn() { echo "warn: $*"; }', 'netif=$interface', 'case "$reason" in',
    boundBranch(), '        echo "set up $new_ip_address on $netif"', '        ;;', '    *) echo "passed $reason" ;;', 'esac', '',
  ].join('\n'), { mode: 0o755 })
  // an arping2 that says whether it was asked, and answers "a reply came" (a duplicate)
  writeFileSync(path.join(root, 'usr/bin/arping2'), '#!/bin/sh\necho "arping2 $*"\nexit 0\n', { mode: 0o755 })
  copyFileSync(assetPath('dracut/90sidus/sidus-dhclient-script.sh'), path.join(root, 'sbin/sidus-dhclient-script'))
}, 1_800_000)
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }) })

/** run the script as dhclient does: environment only, with this kernel line */
function run(reason: string, cmdline: string): { out: string; status: number | null } {
  writeFileSync(path.join(root, 'proc/cmdline'), `${cmdline}\n`)
  const r = spawnSync('chroot', [root, '/bin/dash', '/sbin/sidus-dhclient-script'], {
    encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', reason, interface: 'eth0', new_ip_address: '192.0.2.10' },
  })
  return { out: `${r.stdout}${r.stderr}`, status: r.status }
}

describe('sidus-dhclient-script in front of dracut\'s', () => {
  it('on BOUND: dracut\'s probe is answered "not in use" at once, the address is set up', () => {
    const r = run('BOUND', 'ip=dhcp root=nfs:192.0.2.1:/srv/r sidus=overlay')
    expect(r.out).not.toContain('arping2 ')
    expect(r.out).not.toContain('Duplicate')
    expect(r.out).toContain('set up 192.0.2.10 on eth0')
    expect(r.status).toBe(0)
  })

  it('sidus.dad=1 keeps dracut\'s probe (here it finds a duplicate, and dracut refuses the lease)', () => {
    const r = run('BOUND', 'ip=dhcp sidus=overlay sidus.dad=1')
    expect(r.out).toContain('arping2 -q -C 1 -c 2 -I eth0 -0 192.0.2.10')
    expect(r.out).toContain('warn: Duplicate address detected for 192.0.2.10')
    expect(r.status).toBe(1)
  })

  it('every other reason goes to dracut\'s script as it is', () => {
    expect(run('PREINIT', 'ip=dhcp').out.trim()).toBe('passed PREINIT')
    expect(run('RENEW', 'ip=dhcp').out.trim()).toBe('passed RENEW')
  })

  it('the initrd names it for dhclient: 90sidus appends its conf, which names the script where module-setup installs it', () => {
    const conf = readFileSync(assetPath('dracut/90sidus/sidus-dhclient.conf'), 'utf8')
    expect(conf).toMatch(/^script "\/sbin\/sidus-dhclient-script";$/m)
    expect(readFileSync(assetPath('dracut/90sidus/module-setup.sh'), 'utf8')).toContain('inst_script "$moddir/sidus-dhclient-script.sh" /sbin/sidus-dhclient-script')
    execFileSync('sh', ['-n', assetPath('dracut/90sidus/sidus-dhclient-script.sh')])
  })
})
