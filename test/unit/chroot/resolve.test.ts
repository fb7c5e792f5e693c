import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkMountPoints, resolveInRoot } from '../../../src/chroot/root.js'
import { ConflictError } from '../../../src/errors.js'

let root: string
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'sidus-resolve-'))
  for (const d of ['usr/sbin', 'etc', 'proc', 'sys', 'dev', 'run']) mkdirSync(path.join(root, d), { recursive: true })
  symlinkSync('usr/sbin', path.join(root, 'sbin'))
  symlinkSync('/run/systemd/resolve/stub-resolv.conf', path.join(root, 'etc/resolv.conf'))
  symlinkSync('/etc', path.join(root, 'etc-abs'))
  symlinkSync('../../../../../../etc', path.join(root, 'climb'))
  symlinkSync('loop2', path.join(root, 'loop1'))
  symlinkSync('loop1', path.join(root, 'loop2'))
  writeFileSync(path.join(root, 'usr/sbin/policy-rc.d'), '')
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('resolveInRoot: symlinks as a process chrooted into the root sees them', () => {
  it('follows relative links inside the root', async () => {
    expect(await resolveInRoot(root, 'sbin/policy-rc.d')).toBe(path.join(root, 'usr/sbin/policy-rc.d'))
  })
  it('restarts absolute links at the root, never at the server', async () => {
    expect(await resolveInRoot(root, 'etc/resolv.conf')).toBe(path.join(root, 'run/systemd/resolve/stub-resolv.conf'))
    expect(await resolveInRoot(root, 'etc-abs/passwd')).toBe(path.join(root, 'etc/passwd'))
  })
  it('never climbs above the root with ..', async () => {
    expect(await resolveInRoot(root, 'climb/shadow')).toBe(path.join(root, 'etc/shadow'))
    expect(await resolveInRoot(root, '../../etc')).toBe(path.join(root, 'etc'))
  })
  it('keeps missing components as written and refuses link loops', async () => {
    expect(await resolveInRoot(root, 'no/such/file')).toBe(path.join(root, 'no/such/file'))
    await expect(resolveInRoot(root, 'loop1')).rejects.toThrow(ConflictError)
  })
})

describe('checkMountPoints', () => {
  it('accepts plain directories', async () => {
    await expect(checkMountPoints(root)).resolves.toBeUndefined()
  })
  it('refuses a /proc that is a symlink, even one that stays inside the root', async () => {
    const evil = mkdtempSync(path.join(os.tmpdir(), 'sidus-evil-'))
    try {
      symlinkSync('/etc', path.join(evil, 'proc'))
      await expect(checkMountPoints(evil)).rejects.toThrow(/proc is a symlink \(to \/etc\)/)
    } finally {
      rmSync(evil, { recursive: true })
    }
  })
})
