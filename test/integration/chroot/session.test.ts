import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO, sidus, sidusSpawn } from '../../helpers/cli.js'
import { busyboxWorld, mountedUnder, mountedUnderAnywhere, removeWorld, waitFor, type World } from './helpers.js'

let w: World
beforeAll(() => { w = busyboxWorld() })
afterAll(() => removeWorld(w))

const exec = (cmd: string[], env?: Record<string, string>) => sidus(['exec', w.name, '--', ...cmd], { env: { ...w.env, ...env } })

describe('sidus exec on a busybox root', () => {
  it('mounts proc, sys, dev, dev/pts and a tmpfs run inside, and nothing outside during or after', async () => {
    const marker = path.join(w.root, 'tmp/started')
    const session = sidusSpawn(['exec', w.name, '--', 'sh', '-c', 'cat /proc/self/mountinfo > /tmp/inside; touch /tmp/started; sleep 2'], { env: w.env })
    try {
      await waitFor('the session to start', () => existsSync(marker))
      // during: the server's mount table (this process's namespace) shows nothing under the root…
      expect(mountedUnder(w.dir, '/proc/self/mountinfo')).toEqual([])
      // …while the session's own namespace does (so the check above can fail)
      expect(mountedUnderAnywhere(w.root).length).toBeGreaterThanOrEqual(5)
    } finally {
      await session
    }
    expect((await session).exitCode).toBe(0)
    const inside = readFileSync(path.join(w.root, 'tmp/inside'), 'utf8').split('\n').map((l) => l.split(' '))
    const at = (mp: string) => inside.find((f) => f[4] === mp)
    expect(at('/proc')?.slice(-3)[0]).toBe('proc')
    expect(at('/sys')?.slice(-3)[0]).toBe('sysfs')
    expect(at('/dev')).toBeDefined()
    expect(at('/dev/pts')?.slice(-3)[0]).toBe('devpts')
    expect(at('/run')?.slice(-3)[0]).toBe('tmpfs')
    // after: no namespace on the machine has anything mounted under the root
    expect(mountedUnder(w.dir, '/proc/self/mountinfo')).toEqual([])
    expect(mountedUnderAnywhere(w.root)).toEqual([])
  })

  it('passes exit codes 0, 1 and 7 and a signal death (128+n) through', async () => {
    expect((await exec(['true'])).exitCode).toBe(0)
    expect((await exec(['false'])).exitCode).toBe(1)
    expect((await exec(['sh', '-c', 'exit 7'])).exitCode).toBe(7)
    expect((await exec(['sh', '-c', 'kill -9 $$'])).exitCode).toBe(137)
    expect((await exec(['sh', '-c', 'kill -TERM $$'])).exitCode).toBe(143)
  })

  it('streams stdout and stderr and gives the command a clean environment', async () => {
    const r = await exec(['sh', '-c', 'echo out; echo err >&2; env | sort'], { SECRET_OF_THE_SERVER: 'x' })
    expect(r.stdout).toMatch(/^out$/m)
    expect(r.stderr).toMatch(/^err$/m)
    expect(r.stdout).toContain('DEBIAN_FRONTEND=noninteractive')
    expect(r.stdout).toContain('HOME=/root')
    expect(r.stdout).toMatch(/^PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m)
    expect(r.stdout).not.toContain('SECRET_OF_THE_SERVER')
  })

  it('feeds stdin through', async () => {
    const r = await sidus(['exec', w.name, '--', 'sh', '-c', 'read line; echo "got $line"'], { env: w.env, input: 'hello\n' })
    expect(r.stdout).toBe('got hello')
  })

  it('puts an exit-101 policy-rc.d in place and leaves an absent one absent', async () => {
    const policy = path.join(w.root, 'usr/sbin/policy-rc.d')
    rmSync(policy, { force: true })
    const r = await exec(['sh', '-c', '/usr/sbin/policy-rc.d nginx start; echo "policy=$?"'])
    expect(r.stdout).toContain('policy=101')
    expect(existsSync(policy)).toBe(false)
  })

  it('restores a custom policy-rc.d byte for byte, mode and mtime included', async () => {
    const policy = path.join(w.root, 'usr/sbin/policy-rc.d')
    const bytes = Buffer.concat([Buffer.from('#!/bin/sh\n# the admin\'s own\nexit 0\n'), Buffer.from([0, 1, 2, 255, 10])])
    writeFileSync(policy, bytes)
    chmodSync(policy, 0o750)
    const before = statSync(policy)
    try {
      const r = await exec(['sh', '-c', '/usr/sbin/policy-rc.d x start; echo "policy=$?"; echo junk > /usr/sbin/policy-rc.d'])
      expect(r.stdout).toContain('policy=101')
      expect(readFileSync(policy).equals(bytes)).toBe(true)
      const after = statSync(policy)
      expect(after.mode).toBe(before.mode)
      expect(after.mtimeMs).toBe(before.mtimeMs)
      expect(after.ino).toBe(before.ino)
    } finally {
      rmSync(policy, { force: true })
    }
  })

  it('removes a policy-rc.d that a killed session left behind', async () => {
    const policy = path.join(w.root, 'usr/sbin/policy-rc.d')
    writeFileSync(policy, readFileSync(path.join(REPO, 'assets/chroot/policy-rc.d')), { mode: 0o755 })
    expect((await exec(['true'])).exitCode).toBe(0)
    expect(existsSync(policy)).toBe(false)
  })

  it("gives the server's resolv.conf inside and leaves the root's untouched", async () => {
    const server = readFileSync('/etc/resolv.conf', 'utf8')
    const r = await exec(['sh', '-c', 'cat /etc/resolv.conf; echo changed > /etc/resolv.conf'])
    expect(r.stdout).toBe(server.trimEnd())
    expect(readFileSync('/etc/resolv.conf', 'utf8')).toBe(server)
    expect(readFileSync(path.join(w.root, 'etc/resolv.conf'), 'utf8')).toBe('nameserver 192.0.2.53\n')
  })

  it('warns when the instance has a read-write master', async () => {
    writeFileSync(path.join(w.state, 'masters.yaml'), `masters:\n  ${w.name}:\n    instance: ${w.name}\n    mac: 52:54:00:12:34:56\n    since: "2024-01-01T00:00:00Z"\n`)
    try {
      const r = await exec(['true'])
      expect(r.exitCode).toBe(0)
      expect(r.stderr).toMatch(/warning: bb64 has a read-write master \(52:54:00:12:34:56\).*writing to the same files/)
    } finally {
      rmSync(path.join(w.state, 'masters.yaml'))
    }
  })

  it('shell: an interactive session with a prompt naming the instance, exit code passed', async () => {
    const r = await sidus(['shell', w.name], { env: w.env, input: 'echo "prompt=$PS1"; exit 3\n' })
    expect(r.exitCode).toBe(3)
    expect(r.stdout).toContain('prompt=(sidus:bb64)')
  })

  it('--json captures the output into the result', async () => {
    const r = await sidus(['exec', w.name, '--json', '--', 'sh', '-c', 'echo hi; exit 5'], { env: w.env })
    expect(r.exitCode).toBe(5)
    expect(JSON.parse(r.stdout)).toMatchObject({ instance: 'bb64', exitCode: 5, stdout: 'hi\n' })
  })
})

describe('architecture', () => {
  it('runs an i386 root under setarch i686 (arch from dpkg), an amd64 root as it is', async () => {
    const bb32 = path.join(w.roots, 'bb32')
    cpSync(w.root, bb32, { recursive: true, verbatimSymlinks: true })
    mkdirSync(path.join(bb32, 'var/lib/dpkg'), { recursive: true })
    writeFileSync(path.join(bb32, 'var/lib/dpkg/status'), 'Package: dpkg\nStatus: install ok installed\nArchitecture: i386\n')
    try {
      const r32 = await sidus(['exec', 'bb32', '--', 'uname', '-m'], { env: w.env })
      expect(r32.stdout).toBe('i686')
      const r64 = await exec(['uname', '-m'])
      expect(r64.stdout).toBe('x86_64')
    } finally {
      rmSync(bb32, { recursive: true })
    }
  })
})

describe('refused before any mount', () => {
  const locks = () => path.join(w.state, 'locks')

  it.each([
    ['../etc', 64, /invalid instance name "\.\.\/etc"/],
    ['/', 64, /invalid instance name "\/"/],
    ['nope', 66, /no instance nope: .* is not a directory[\s\S]*sidus list/],
  ])('%s', async (name, code, message) => {
    rmSync(locks(), { recursive: true, force: true })
    const before = readFileSync('/proc/self/mountinfo', 'utf8')
    const r = await sidus(['exec', name, '--', 'true'], { env: w.env })
    expect(r.exitCode).toBe(code)
    expect(r.stderr).toMatch(message)
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(before)
    expect(existsSync(locks())).toBe(false) // not even the lock was touched
  })

  it('a root whose /proc is a symlink to /etc', async () => {
    const evil = path.join(w.roots, 'evil')
    mkdirSync(evil)
    symlinkSync('/etc', path.join(evil, 'proc'))
    try {
      const r = await sidus(['exec', 'evil', '--', 'true'], { env: w.env })
      expect(r.exitCode).toBe(73)
      expect(r.stderr).toMatch(/evil\/proc is a symlink \(to \/etc\): a session will not mount \/proc through it/)
      // what the session would have done: proc mounted on the server's /etc, in some namespace
      // (other mounts under /etc, like `ip netns exec`'s resolv.conf, are not ours)
      expect(mountedUnderAnywhere('/etc').filter((m) => m.endsWith(':/etc'))).toEqual([])
      expect(mountedUnderAnywhere(evil)).toEqual([])
    } finally {
      rmSync(evil, { recursive: true })
    }
  })

  it('a foreign-architecture root without binfmt support, naming the packages', async () => {
    const arm = path.join(w.roots, 'arm64root')
    mkdirSync(path.join(arm, 'bin'), { recursive: true })
    const elf = Buffer.alloc(64)
    elf.writeUInt32BE(0x7f454c46, 0); elf[4] = 2; elf[5] = 1; elf.writeUInt16LE(0xb7, 18)
    writeFileSync(path.join(arm, 'bin/sh'), elf, { mode: 0o755 })
    try {
      const r = await sidus(['exec', 'arm64root', '--', 'true'], { env: w.env })
      if (existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')) return // this server can run it
      expect(r.exitCode).toBe(69)
      expect(r.stderr).toMatch(/arm64 root[\s\S]*apt-get install qemu-user-static binfmt-support/)
      expect(mountedUnderAnywhere(arm)).toEqual([])
    } finally {
      rmSync(arm, { recursive: true })
    }
  })
})
