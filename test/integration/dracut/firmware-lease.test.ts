/**
 * The firmware's lease in the initrd (IPXE_FIRMWARE_LEASE on iPXE's kernel line) and the two small
 * programs the image gets for its static path, run for real (dash in a chroot of a small root) with
 * dracut's own shell code taken from the bookworm reference root as it ships it: net-lib's ip_to_var
 * and fix_bootif read the line iPXE fills in; 90sidus's arping2 answers the very arping2 calls of
 * dracut's ifup and net-lib; 99sidus-trim's pidof answers 95nfs's calls without a program of its own.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assetPath } from '../../../src/assets.js'
import { IPXE_FIRMWARE_LEASE } from '../../../src/publish/cmdline.js'
import { addHostDash, makeBusyboxRoot } from '../../helpers/busybox-root.js'
import { ensureRefRoot } from '../../helpers/ref-root.js'

const MODULES = '/usr/lib/dracut/modules.d'
let ref: string
let dir: string
let root: string

beforeAll(async () => {
  ref = await ensureRefRoot()
  dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-firmware-lease-'))
  root = makeBusyboxRoot(path.join(dir, 'root'))
  // dash, as the initrd runs it (dracut's dash module), with its libraries
  addHostDash(root)
  mkdirSync(path.join(root, 'lib'), { recursive: true })
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true })
  for (const f of ['dracut-lib.sh', 'dracut-dev-lib.sh']) copyFileSync(`${ref}${MODULES}/99base/${f}`, path.join(root, 'lib', f))
  copyFileSync(`${ref}${MODULES}/40network/net-lib.sh`, path.join(root, 'lib/net-lib.sh'))
  copyFileSync(assetPath('dracut/90sidus/sidus-arping2.sh'), path.join(root, 'usr/bin/arping2'))
  copyFileSync(assetPath('dracut/99sidus-trim/pidof.sh'), path.join(root, 'usr/bin/pidof'))
  chmodSync(path.join(root, 'usr/bin/arping2'), 0o755)
  chmodSync(path.join(root, 'usr/bin/pidof'), 0o755)
  // iputils' arping stands in: it says how it was called and answers what the test asks
  writeFileSync(path.join(root, 'usr/bin/arping'), '#!/bin/dash\necho "arping $*" >> /tmp/arping.log\nread -r status < /tmp/arping.status\nexit "$status"\n', { mode: 0o755 })
}, 1_800_000)
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }) })

/** a dash script in the chroot, with this kernel line; PATH as dracut sets it */
function sh(script: string, cmdline = '', args: string[] = [], env: Record<string, string> = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }): { out: string; status: number | null } {
  writeFileSync(path.join(root, 'proc/cmdline'), `${cmdline}\n`)
  const r = spawnSync('/usr/sbin/chroot', [root, '/bin/dash', '-c', script, 'sh', ...args], { encoding: 'utf8', env })
  return { out: `${r.stdout}${r.stderr}`.trim(), status: r.status }
}

/** IPXE_FIRMWARE_LEASE as iPXE fills it in on a client, split into kernel arguments */
function filled(values: { mac: string; ip: string; gateway: string; netmask: string; hostname: string }): string[] {
  return IPXE_FIRMWARE_LEASE.replace('${netX/mac:hexhyp}', values.mac).replace('${netX/ip}', values.ip).replace('${netX/gateway}', values.gateway)
    .replace('${netX/netmask}', values.netmask).replace('${hostname}', values.hostname).split(' ')
}

describe("iPXE's lease on the kernel line, as dracut's net-lib reads it", () => {
  const parse = (args: string[]) => {
    const ip = args.find((a) => a.startsWith('ip='))!.slice(3)
    const bootif = args.find((a) => a.startsWith('BOOTIF='))!.slice(7)
    return sh('. /lib/dracut-lib.sh 2> /dev/null; . /lib/net-lib.sh 2> /dev/null; ip_to_var "$1"; echo "ip=$ip srv=$srv gw=$gw mask=$mask hostname=$hostname dev=$dev autoconf=$autoconf"; fix_bootif "$2"', args.join(' '), [ip, bootif])
  }

  it('a static address on the NIC of BOOTIF (no interface name: ifup takes the one BOOTIF names), no peer, set up as given', () => {
    const args = filled({ mac: '52-54-00-AB-34-56', ip: '192.0.2.10', gateway: '192.0.2.1', netmask: '255.255.255.0', hostname: 'n001' })
    expect(args).toEqual(['BOOTIF=01-52-54-00-AB-34-56', 'ip=192.0.2.10::192.0.2.1:255.255.255.0:n001::none', 'sidus.lease=firmware'])
    const r = parse(args)
    expect(r.status, r.out).toBe(0)
    expect(r.out.split('\n')).toEqual(['ip=192.0.2.10 srv= gw=192.0.2.1 mask=255.255.255.0 hostname=n001 dev= autoconf=none', '52:54:00:ab:34:56'])
  })

  it('a network without a router and a client without a DHCP host name: both fields empty, the rest as before', () => {
    const r = parse(filled({ mac: '52-54-00-12-34-56', ip: '10.213.57.186', gateway: '', netmask: '255.255.255.0', hostname: '' }))
    expect(r.out.split('\n')).toEqual(['ip=10.213.57.186 srv= gw= mask=255.255.255.0 hostname= dev= autoconf=none', '52:54:00:12:34:56'])
  })
})

describe("90sidus's arping2, called as dracut's ifup and net-lib call it", () => {
  /** the arping2 command of a dracut file, as written there (its first line naming arping2 with these words) */
  const dracutCall = (file: string, marker: string): string => {
    const line = readFileSync(`${ref}${MODULES}/${file}`, 'utf8').split('\n').find((l) => l.includes('arping2 -') && l.includes(marker))
    expect(line, `${file}: an arping2 call with ${marker}`).toBeDefined()
    return /arping2 [^;|&]*"/.exec(line!)![0]
  }
  const probe = () => dracutCall('35network-legacy/ifup.sh', '-0')
  const gateway = () => dracutCall('40network/net-lib.sh', '$dest')
  const run = (call: string, cmdline: string, arpingStatus: number) => {
    writeFileSync(path.join(root, 'tmp/arping.status'), `${arpingStatus}\n`)
    rmSync(path.join(root, 'tmp/arping.log'), { force: true })
    const r = sh(`netif=eth0 ip=192.0.2.10 dest=192.0.2.1; ${call}`, cmdline)
    let log = ''
    try { log = readFileSync(path.join(root, 'tmp/arping.log'), 'utf8').trim() } catch { /* not called */ }
    return { status: r.status, log, out: r.out }
  }

  it("ifup's duplicate-address probe of the firmware's lease: answered \"free\" (1) at once, no probe sent", () => {
    expect(probe()).toBe('arping2 -q -C 1 -c 2 -I "$netif" -0 "$ip"')
    expect(run(probe(), 'BOOTIF=01-52-54-00-12-34-56 ip=192.0.2.10::192.0.2.1:255.255.255.0:::none sidus.lease=firmware', 0)).toEqual({ status: 1, log: '', out: '' })
  })

  it('sidus.dad=1 keeps the probe, and any other static address is probed: iputils\' arping -D, its answer turned around', () => {
    for (const cmdline of ['ip=192.0.2.10::192.0.2.1:255.255.255.0:::none sidus.lease=firmware sidus.dad=1', 'ip=192.0.2.10::192.0.2.1:255.255.255.0:n1:eth0:none']) {
      // arping -D: 0 = no reply, the address is free; arping2's 1 says the same
      expect(run(probe(), cmdline, 0), cmdline).toEqual({ status: 1, log: 'arping -f -q -D -c 2 -I eth0 192.0.2.10', out: '' })
      // a reply came: in use, which arping2 says with 0 (ifup then refuses the address)
      expect(run(probe(), cmdline, 1), cmdline).toMatchObject({ status: 0, log: 'arping -f -q -D -c 2 -I eth0 192.0.2.10' })
    }
  })

  it("net-lib's wait for the gateway: what dracut runs without arping2 (arping -q -f -w 60), its answer kept", () => {
    expect(gateway()).toBe('arping2 -q -C 1 -c 60 -I "$netif" "$dest"')
    for (const status of [0, 1]) {
      expect(run(gateway(), 'sidus.lease=firmware', status)).toMatchObject({ status, log: 'arping -q -f -w 60 -I eth0 192.0.2.1' })
    }
  })

  it('refuses a call it does not know, loudly (status 2), rather than answer it wrongly', () => {
    const r = run('arping2 -U -I eth0 192.0.2.10', '', 0)
    expect(r.status).toBe(2)
    expect(r.out).toContain('unknown option -U')
    expect(r.log).toBe('')
  })
})

describe("99sidus-trim's pidof, as 95nfs's hooks and net-lib call it", () => {
  beforeAll(() => {
    // the chroot's /proc is a plain directory: a few processes, as the kernel names them in comm
    for (const [pid, comm] of [['1', 'sh'], ['100', 'rpcbind'], ['101', 'rpcbind'], ['300', 'systemd-udevd'], ['400', 'abcdefghijklmno']]) {
      mkdirSync(path.join(root, 'proc', pid), { recursive: true })
      writeFileSync(path.join(root, 'proc', pid, 'comm'), `${comm}\n`)
    }
  })
  // no PATH: it needs no program (dracut-lib's stand-in forked readlink once per process)
  const pidof = (...names: string[]) => sh('/usr/bin/pidof "$@" 2>&1; echo "rc=$?"', '', names, { PATH: '/nonexistent' }).out.split('\n')

  it('the ids of the processes of that name on one line, status 0; none: no output, status 1', () => {
    expect(pidof('rpcbind')).toEqual(['100 101', 'rc=0'])
    expect(pidof('/usr/sbin/rpcbind')).toEqual(['100 101', 'rc=0'])
    expect(pidof('rpc.statd')).toEqual(['rc=1'])
    // net-lib's configured_ifaces: `pidof udevd || pidof systemd-udevd`
    expect(pidof('udevd')).toEqual(['rc=1'])
    expect(pidof('udevd', 'systemd-udevd')).toEqual(['300', 'rc=0'])
  })

  it('a name longer than the 15 characters the kernel keeps in comm matches by those 15', () => {
    expect(pidof('abcdefghijklmnopqrst')).toEqual(['400', 'rc=0'])
    expect(pidof('abcdefghijklmn')).toEqual(['rc=1'])
  })

  it('refuses options and a call without a name (status 2)', () => {
    expect(pidof('-s', 'rpcbind')).toEqual([expect.stringContaining("only 'pidof NAME...'"), 'rc=2'])
    expect(pidof()).toEqual([expect.stringContaining('usage'), 'rc=2'])
  })
})

describe("99sidus-trim's cleanup hook in place of network-legacy's 10-kill-dhclient.sh", () => {
  const hook = () => {
    copyFileSync(assetPath('dracut/99sidus-trim/kill-dhclient.sh'), path.join(root, 'tmp/kill-dhclient.sh'))
    return '/tmp/kill-dhclient.sh'
  }

  it('is dracut\'s hook but for its wait: the same two passes over the same pid files', async () => {
    const ours = readFileSync(assetPath('dracut/99sidus-trim/kill-dhclient.sh'), 'utf8')
    const theirs = readFileSync(`${ref}${MODULES}/35network-legacy/kill-dhclient.sh`, 'utf8')
    // dracut's: kill, sleep 0.1, kill -9, each over /tmp/dhclient.*.pid
    expect(theirs).toMatch(/kill "\$PID"[\s\S]*sleep 0\.1[\s\S]*kill -9 "\$PID"/)
    expect(ours).toMatch(/kill "\$PID"[\s\S]*sleep 0\.1[\s\S]*kill -9 "\$PID"/)
    expect(ours.match(/\/tmp\/dhclient\.\*\.pid/g)?.length).toBe(theirs.match(/\/tmp\/dhclient\.\*\.pid/g)?.length)
  })

  it('no dhclient ran (the firmware\'s lease): done at once, without starting sleep (PATH=/nonexistent)', () => {
    rmSync(path.join(root, 'tmp'), { recursive: true, force: true })
    mkdirSync(path.join(root, 'tmp'))
    const r = sh(`/bin/dash ${hook()}; echo "rc=$?"`, '', [], { PATH: '/nonexistent' })
    expect(r.out).toBe('rc=0')
  })

  it('a dhclient running: stopped, and waited for before the second pass', async () => {
    rmSync(path.join(root, 'tmp'), { recursive: true, force: true })
    mkdirSync(path.join(root, 'tmp'))
    // a stand-in dhclient: a process of the host the hook signals by its pid file (one pid namespace)
    const { spawn } = await import('node:child_process')
    const child = spawn('sleep', ['300'], { stdio: 'ignore' })
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    writeFileSync(path.join(root, 'tmp/dhclient.eth0.pid'), `${child.pid}\n`)
    // a sleep that says it ran (busybox's applets are found through PATH here)
    writeFileSync(path.join(root, 'tmp/sleep'), '#!/bin/sh\necho "slept $*"\n', { mode: 0o755 })
    const r = sh(`/bin/dash ${hook()}; echo "rc=$?"`, '', [], { PATH: '/tmp:/bin' })
    expect(r.out).toBe('slept 0.1\nrc=0')
    expect(await exited).toBe('SIGTERM')
  })
})
