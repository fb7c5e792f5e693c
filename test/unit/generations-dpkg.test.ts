import { describe, expect, it } from 'vitest'
import { installedPackages, packageChanges } from '../../src/generations/dpkg-status.js'

const stanza = (p: string, v: string, arch = 'amd64', status = 'install ok installed') => `Package: ${p}\nStatus: ${status}\nPriority: optional\nArchitecture: ${arch}\nVersion: ${v}\nDescription: x\n more\n`

describe('dpkg status → package changes', () => {
  it('keeps installed packages only, naming multi-arch twins by architecture', () => {
    const m = installedPackages([stanza('a', '1'), stanza('gone', '2', 'amd64', 'deinstall ok config-files'), stanza('libc6', '2.36', 'amd64'), stanza('libc6', '2.36', 'i386')].join('\n'))
    expect([...m]).toEqual([['a', '1'], ['libc6:amd64', '2.36'], ['libc6:i386', '2.36']])
  })

  it('tells added, removed and upgraded, sorted by name', () => {
    const before = new Map([['b', '1'], ['a', '1.0'], ['same', '3']])
    const after = new Map([['c', '2'], ['a', '1.1'], ['same', '3']])
    expect(packageChanges(before, after)).toEqual({
      added: [{ name: 'c', version: '2' }],
      removed: [{ name: 'b', version: '1' }],
      upgraded: [{ name: 'a', from: '1.0', to: '1.1' }],
    })
  })
})
