import { describe, expect, it } from 'vitest'
import { elfArch, planArch, debianArch } from '../../../src/chroot/arch.js'
import { BASH_LOADABLES, sessionArgv, type SessionSpec } from '../../../src/chroot/argv.js'
import { sessionEnv, sessionPrompt } from '../../../src/chroot/env.js'
import { parseProcLocks, splitDev } from '../../../src/chroot/locks.js'
import { parseStatus } from '../../../src/chroot/status.js'
import { UsageError } from '../../../src/errors.js'

function elf(bits: 1 | 2, endian: 1 | 2, machine: number): Buffer {
  const b = Buffer.alloc(64)
  b.writeUInt32BE(0x7f454c46, 0)
  b[4] = bits
  b[5] = endian
  if (endian === 1) b.writeUInt16LE(machine, 18)
  else b.writeUInt16BE(machine, 18)
  return b
}

describe('elfArch', () => {
  it('names the Debian architecture of an ELF header', () => {
    expect(elfArch(elf(2, 1, 0x3e))).toBe('amd64')
    expect(elfArch(elf(1, 1, 0x03))).toBe('i386')
    expect(elfArch(elf(2, 1, 0xb7))).toBe('arm64')
    expect(elfArch(elf(1, 1, 0x28))).toBe('armhf')
    expect(elfArch(elf(2, 2, 0x16))).toBe('s390x')
    expect(elfArch(elf(2, 1, 0x15))).toBe('ppc64el')
  })
  it('says nothing for what it does not know', () => {
    expect(elfArch(Buffer.from('#!/bin/sh\nexit 0\n'))).toBeUndefined()
    expect(elfArch(elf(2, 2, 0x15))).toBeUndefined() // big-endian ppc64
    expect(elfArch(Buffer.alloc(4))).toBeUndefined()
  })
})

describe('planArch', () => {
  it('runs a same-arch or unknown root natively', () => {
    expect(planArch('amd64', 'amd64')).toEqual({ kind: 'native' })
    expect(planArch('amd64', undefined)).toEqual({ kind: 'native' })
  })
  it('runs an i386 root on amd64 under setarch i686, as SIDUS does', () => {
    expect(planArch('amd64', 'i386')).toEqual({ kind: 'native', personality: 'i686' })
    expect(planArch('arm64', 'armhf')).toEqual({ kind: 'native', personality: 'linux32' })
  })
  it('needs qemu-user binfmt for a foreign root', () => {
    expect(planArch('amd64', 'arm64')).toEqual({ kind: 'emulated', binfmt: 'qemu-aarch64' })
    expect(planArch('amd64', 'ppc64el')).toEqual({ kind: 'emulated', binfmt: 'qemu-ppc64le' })
    expect(planArch('arm64', 'amd64')).toEqual({ kind: 'emulated', binfmt: 'qemu-x86_64' })
  })
  it('maps Node architectures to Debian names', () => {
    expect(debianArch('x64')).toBe('amd64')
    expect(debianArch('arm64')).toBe('arm64')
    expect(debianArch('ia32')).toBe('i386')
  })
})

describe('parseStatus', () => {
  it('reads the lines a session reports', () => {
    expect(parseStatus('pid 4242\nwaiting sidus pid 7: sh -c x, since now\nready\nstarted\n')).toEqual({
      pid: 4242, waiting: 'sidus pid 7: sh -c x, since now', ready: true, started: true,
    })
    expect(parseStatus('pid 9\nbusy sidus pid 7: true\n')).toEqual({ pid: 9, busy: 'sidus pid 7: true', ready: false, started: false })
    expect(parseStatus('pid 9\nready\nerror cannot mount proc on /r/proc\n').error).toBe('cannot mount proc on /r/proc')
    expect(parseStatus('')).toEqual({ ready: false, started: false })
    expect(parseStatus('pid x\n').pid).toBeUndefined()
  })
})

describe('parseProcLocks / splitDev', () => {
  const text = [
    '1: FLOCK  ADVISORY  WRITE 1238 fe:00:2197093 0 EOF',
    '1: -> FLOCK  ADVISORY  WRITE 1300 fe:00:2197093 0 EOF',
    '2: POSIX  ADVISORY  WRITE 612 00:19:1234 0 EOF',
    '3: OFDLCK ADVISORY  READ -1 103:02:55 0 EOF',
  ].join('\n')
  it('lists granted locks and leaves blocked waiters out', () => {
    expect(parseProcLocks(text)).toEqual([
      { kind: 'FLOCK', pid: 1238, major: 0xfe, minor: 0, inode: 2197093 },
      { kind: 'POSIX', pid: 612, major: 0, minor: 0x19, inode: 1234 },
      { kind: 'OFDLCK', pid: -1, major: 0x103, minor: 2, inode: 55 },
    ])
  })
  it("decodes glibc's dev_t", () => {
    expect(splitDev(0xfe00n)).toEqual({ major: 254, minor: 0 })
    expect(splitDev(0x801n)).toEqual({ major: 8, minor: 1 })
    expect(splitDev((0x103n << 8n) | 2n)).toEqual({ major: 0x103, minor: 2 })
    expect(splitDev(0x100000n)).toEqual({ major: 0, minor: 256 })
  })
})

describe('sessionEnv', () => {
  it('holds nothing of the server but TERM, plus a sane PATH and HOME and apt without questions', () => {
    expect(sessionEnv('bookworm64', { term: 'xterm' })).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C',
      DEBIAN_FRONTEND: 'noninteractive', SIDUS_INSTANCE: 'bookworm64', TERM: 'xterm',
    })
  })
  it('names the instance in the prompt of a shell', () => {
    const env = sessionEnv('bookworm64', { shell: '/bin/bash' })
    expect(env.PS1).toBe(sessionPrompt('bookworm64'))
    expect(env.PS1).toContain('(sidus:bookworm64)')
    expect(env.debian_chroot).toBe('sidus:bookworm64')
    expect(env.SHELL).toBe('/bin/bash')
  })
  it("adds the caller's variables and refuses bad names", () => {
    expect(sessionEnv('a', { extra: { DEBIAN_FRONTEND: 'readline', X_1: 'y' } })).toMatchObject({ DEBIAN_FRONTEND: 'readline', X_1: 'y' })
    expect(() => sessionEnv('a', { extra: { 'A=B': 'c' } })).toThrow(UsageError)
    expect(() => sessionEnv('a', { extra: { '1X': 'c' } })).toThrow(UsageError)
  })
})

describe('sessionArgv', () => {
  const spec: SessionSpec = {
    script: '/s/session.sh', root: '/srv/nfsroot/bb64', lock: '/var/lib/sidus/locks/bb64.lock', status: '/tmp/x/status', fstab: '/tmp/x/fstab',
    holder: 'sidus pid 1: true', noWait: false, onInt: 'forward', env: { PATH: '/bin', A: 'b c' }, argv: ['sh', '-c', 'echo --root x'],
  }
  it('starts the script as pid 1 of new pid and mount namespaces that die with sidus', () => {
    const argv = sessionArgv(spec)
    expect(argv.slice(0, 14)).toEqual([
      'setpriv', '--pdeathsig', 'KILL', '--',
      'unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child=SIGTERM', '--',
      'bash', '/s/session.sh',
    ])
    // the command comes last, after --, untouched
    expect(argv.slice(argv.lastIndexOf('--') + 1)).toEqual(['sh', '-c', 'echo --root x'])
    expect(argv).toContain('A=b c')
    expect(argv).not.toContain('--no-wait')
    expect(argv).not.toContain('--personality')
    expect(argv.join(' ')).toContain('--status /tmp/x/status --fstab /tmp/x/fstab')
    expect(argv).not.toContain('--loadables')
  })
  it("passes where bash's loadable builtins are", () => {
    const argv = sessionArgv({ ...spec, loadables: BASH_LOADABLES })
    expect(argv.slice(0, argv.lastIndexOf('--')).join(' ')).toContain('--loadables /usr/lib/bash')
  })
  it('passes --no-wait, the personality, policy-rc.d and resolv.conf plans', () => {
    const argv = sessionArgv({
      ...spec, noWait: true, personality: 'i686', policy: { path: '/r/usr/sbin/policy-rc.d', asset: '/a/policy-rc.d' },
      resolv: { mode: 'bind', target: '/r/etc/resolv.conf', source: '/etc/resolv.conf' },
    })
    const before = argv.slice(0, argv.lastIndexOf('--'))
    expect(before).toContain('--no-wait')
    expect(before.join(' ')).toContain('--personality i686')
    expect(before.join(' ')).toContain('--policy /r/usr/sbin/policy-rc.d --policy-asset /a/policy-rc.d')
    expect(before.join(' ')).toContain('--resolv bind --resolv-target /r/etc/resolv.conf --resolv-source /etc/resolv.conf')
  })
})
