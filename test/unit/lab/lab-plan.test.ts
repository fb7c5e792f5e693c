import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../../src/config/schema.js'
import { keptTap, labConfig, labMasters, labPlan } from '../../../src/lab/plan.js'
import { qemuArgv, TCG_TB_SIZE_MB } from '../../../src/lab/qemu.js'
import { defaultLeaseFile } from '../../../src/nodes/discover.js'
import { parseMac } from '../../../src/domain/mac.js'
import { checkArgs } from '../../../src/lab/boot.js'
import { kernelCommandLine, splitKernelArgs } from '../../../src/publish/cmdline.js'

const config = () => ({ ...defaultConfig(), paths: { roots: '/srv/r', tftp: '/srv/tftp', state: '/var/lib/s', cache: '/c' } })

describe('labPlan', () => {
  it('puts the server on .254 of lab.network and everything under <state>/lab', () => {
    const plan = labPlan(config())
    expect(plan.server).toBe('10.213.57.254')
    expect(plan.network).toBe('10.213.57.0/24')
    expect(plan.paths.tftp).toBe('/var/lib/s/lab/tftp')
    expect(Object.values(plan.paths).every((p) => p.startsWith('/var/lib/s/lab/'))).toBe(true)
  })
  it('refuses a bad network or namespace before anything happens', () => {
    expect(() => labPlan({ ...config(), lab: { network: 'nope', namespace: 'x', memory_mb: 512 } })).toThrow(/lab.network/)
    expect(() => labPlan({ ...config(), lab: { network: '10.1.2.0/30', namespace: 'x', memory_mb: 512 } })).toThrow(/too small/)
    expect(() => labPlan({ ...config(), lab: { network: '10.1.2.0/24', namespace: 'a b', memory_mb: 512 } })).toThrow(/namespace/)
  })
})

describe('labConfig', () => {
  it('keeps the roots, moves tftp/state/network into the lab and appends the check args', () => {
    const c = config()
    c.boot.extra_args = 'quiet'
    const plan = labPlan(c)
    const lab = labConfig(c, plan, 'sidus.lab=abc')
    expect(lab.paths.roots).toBe('/srv/r')
    expect(lab.paths.tftp).toBe(plan.paths.tftp)
    expect(lab.paths.state).toBe(plan.paths.state)
    expect(lab.server).toEqual({ address: '10.213.57.254', network: '10.213.57.0/24', interface: 'sidus-br0' })
    expect(lab.nfs.home).toBeUndefined()
    expect(lab.boot.extra_args).toBe('quiet sidus.lab=abc')
    // the fleet commands (lab run) find the lab's clients in the lab's dnsmasq leases
    expect(defaultLeaseFile(lab)).toBe(plan.paths.leases)
    expect(defaultLeaseFile(c)).toBe('/var/lib/misc/dnsmasq.leases')
    // the admin's config object is not changed
    expect(c.paths.tftp).toBe('/srv/tftp')
  })
})

describe('labMasters', () => {
  it('moves each master into the lab network, keeping the host number when it can', () => {
    const plan = labPlan(config())
    const m = labMasters({
      a: { instance: 'a', mac: '52:54:00:00:00:01', ip: '10.20.17.253', since: 'x' },
      b: { instance: 'b', mac: '52:54:00:00:00:02', ip: '10.20.17.254', since: 'x' },
      c: { instance: 'c', mac: '52:54:00:00:00:03', since: 'x' },
    }, plan)
    expect(m.a.ip).toBe('10.213.57.253')
    // .254 is the lab server itself: counted down from .253, skipping taken ones
    expect(m.b.ip).toBe('10.213.57.252')
    expect(m.c.ip).toBe('10.213.57.251')
    expect(m.a.mac).toBe('52:54:00:00:00:01')
  })
})

describe('checkArgs', () => {
  it('survives the kernel command line: one systemd.run= argument, no control characters', () => {
    const c = config()
    const plan = labPlan(c)
    const line = kernelCommandLine(labConfig(c, plan, checkArgs(plan, 'feedbeef')), { instance: 'demo64', mode: 'overlay' })
    const args = splitKernelArgs(line)
    const run = args.filter((a) => a.startsWith('systemd.run='))
    expect(run).toHaveLength(1)
    expect(run[0]).toContain(`${plan.server}:${plan.paths.probe}`)
    expect(args).toContain('sidus.lab=feedbeef')
    // the boot's target named (a rescue boot's later systemd.unit= replaces it), the check wanted by it
    expect(args).toContain('systemd.unit=multi-user.target')
    expect(args).toContain('systemd.wants=kernel-command-line.service')
    expect(args).not.toContain('systemd.wants=multi-user.target')
    // no /home in the lab: the fstab's mount of the admin's server is masked, not left to time out
    expect(args).toContain('systemd.mask=home.mount')
  })
})

describe('qemuArgv', () => {
  it('boots from the network only, under TCG, with the console in a file', () => {
    const argv = qemuArgv({ tap: 't0', mac: '52:54:00:00:00:09', memoryMb: 768, consoleLog: '/x/c.log', pidFile: '/x/q.pid' })
    // TCG with a translation buffer that a boot fills and flushes (not QEMU 7.2's 1 GiB, see TCG_TB_SIZE_MB)
    expect(argv.slice(0, 3)).toEqual(['qemu-system-x86_64', '-accel', `tcg,tb-size=${TCG_TB_SIZE_MB}`])
    expect(TCG_TB_SIZE_MB).toBeLessThan(1024)
    // a CPU with RDRAND: the random pool is ready at once, not ~9 s into the initrd
    expect(argv.join(' ')).toContain('-cpu qemu64,+rdrand')
    expect(argv).toContain('file:/x/c.log')
    expect(argv).toContain('order=n')
    expect(argv.join(' ')).toContain('tap,id=n0,ifname=t0,script=no,downscript=no')
    expect(argv.join(' ')).not.toContain('pflash')
    // a checked client powers off at its reboot; a kept one boots again from the network
    expect(argv).toContain('-no-reboot')
    expect(qemuArgv({ tap: 't0', mac: '52:54:00:00:00:09', memoryMb: 768, consoleLog: '/c', pidFile: '/p', reboot: true })).not.toContain('-no-reboot')
  })
  it('a kept client\'s tap: named from its MAC, within the 15 characters of a Linux interface name', () => {
    expect(keptTap('52:54:00:e2:e0:07')).toBe('sk525400e2e007')
    expect(keptTap('52:54:00:E2:E0:07').length).toBeLessThanOrEqual(15)
    expect(keptTap('52:54:00:e2:e0:08')).not.toBe(keptTap('52:54:00:e2:e0:07'))
  })
  it('adds OVMF code read-only and its own variables for UEFI', () => {
    const argv = qemuArgv({ tap: 't0', mac: '52:54:00:00:00:09', memoryMb: 768, consoleLog: '/c', pidFile: '/p', uefi: { code: '/o/CODE.fd', vars: '/b/VARS.fd' } }).join(' ')
    expect(argv).toContain('if=pflash,format=raw,unit=0,readonly=on,file=/o/CODE.fd')
    expect(argv).toContain('if=pflash,format=raw,unit=1,file=/b/VARS.fd')
  })
  it('lab boot --mac: the one MAC parser, multicast refused', () => {
    expect(parseMac('52-54-00-AA-bb-01')).toBe('52:54:00:aa:bb:01')
    expect(parseMac('5254.00aa.bb01')).toBe('52:54:00:aa:bb:01')
    expect(() => parseMac('52:54:00:aa:bb')).toThrow(/12/)
    expect(() => parseMac('zz:54:00:aa:bb:01')).toThrow(/hex/)
    expect(() => parseMac('01:00:5e:00:00:01')).toThrow(/multicast/)
  })
})
