import { describe, expect, it } from 'vitest'
import { SIDUS_NFS_OPTIONS } from '../../../src/config/schema.js'
import { mountsNfs3Only, nfsVersion } from '../../../src/dracut/nfs-version.js'

describe('the NFS version of the root mount', () => {
  it("sidus's default options pin NFSv3: the initrd leaves the NFSv4 client out", () => {
    expect(nfsVersion(SIDUS_NFS_OPTIONS)).toBe('3')
    expect(mountsNfs3Only(SIDUS_NFS_OPTIONS)).toBe(true)
  })

  it.each([
    ['vers=4.2,tcp', '4.2', false],
    ['nfsvers=3,tcp', '3', true],
    ['tcp,nolock', undefined, false], // negotiated: mount.nfs tries v4 first
    ['vers=4,rsize=1048576,vers=3', '3', true], // the last one wins
    ['vers=3,nfsvers=4.1', '4.1', false],
    ['minorversion=1,tcp', undefined, false],
  ])('%s: version %s, NFSv3 only %s', (options, version, only3) => {
    expect(nfsVersion(options)).toBe(version)
    expect(mountsNfs3Only(options)).toBe(only3)
  })
})
