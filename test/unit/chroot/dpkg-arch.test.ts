import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dpkgArch } from '../../../src/chroot/arch.js'

let root: string
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'sidus-dpkg-arch-'))
  mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true })
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

const stanza = (name: string, arch: string) => `Package: ${name}\nStatus: install ok installed\nPriority: required\nArchitecture: ${arch}\nVersion: 1.0\n\n`
const status = (text: string) => writeFileSync(path.join(root, 'var/lib/dpkg/status'), text)

describe('dpkgArch: read in chunks until dpkg\'s stanza is whole', () => {
  it('finds it early in a big status file', async () => {
    status(stanza('adduser', 'all') + stanza('dpkg', 'i386') + stanza('zlib1g', 'amd64').repeat(50_000))
    expect(await dpkgArch(root)).toBe('i386')
  })
  it('across a chunk boundary: never a truncated name', async () => {
    // "Architecture: arm64" cut after "ar" at 64 KiB
    const head = 'Package: dpkg\nStatus: install ok installed\nArchitecture: ar'
    const opening = 'Package: aaa\nDescription: '
    const filler = `${opening}${'x'.repeat(64 * 1024 - head.length - opening.length - 2)}\n\n`
    status(filler + head + 'm64\nVersion: 1.21\n\n' + stanza('zz', 'amd64'))
    expect((filler + head).length).toBe(64 * 1024)
    expect(await dpkgArch(root)).toBe('arm64')
  })
  it('at the very end without a final newline, and none at all', async () => {
    status(stanza('adduser', 'all') + 'Package: dpkg\nArchitecture: armhf')
    expect(await dpkgArch(root)).toBe('armhf')
    status(stanza('adduser', 'all'))
    expect(await dpkgArch(root)).toBeUndefined()
  })
})
