import { describe, expect, it } from 'vitest'
import { INSTANCE_NAME } from '../../src/domain/instance-name.js'
import { isKernelVersion, parseBootFile, parseRootKernelName } from '../../src/domain/kernel.js'
import { macBare, macDashed, parseMac } from '../../src/domain/mac.js'
import { MASTER_FILE_PATTERNS, markedInstance, masterFiles, masterMarker } from '../../src/domain/tftp.js'

describe('kernel versions: one pattern for publish, dracut and info', () => {
  it('takes Debian kernel versions and refuses leftovers and strangers', () => {
    for (const v of ['6.1.0-50-amd64', '4.9.0-19-686-pae', '6.12.9+bpo-amd64', '5.10.0-30-rt-amd64']) expect(isKernelVersion(v), v).toBe(true)
    for (const v of ['6.1.0-50-amd64.old', '6.1.0-50-amd64.bak', '6.1.0-50-amd64.dpkg-tmp', '6.1.0-50-amd64.dpkg-new', 'generic', '', '6.1 x', '6.1/x', '-6.1']) {
      expect(isKernelVersion(v), v).toBe(false)
    }
  })
  it('reads /boot names and tree names with the same rule', () => {
    expect(parseRootKernelName('vmlinuz-6.1.0-50-amd64')).toBe('6.1.0-50-amd64')
    expect(parseRootKernelName('vmlinuz-6.1.0-50-amd64.dpkg-tmp')).toBeUndefined()
    expect(parseRootKernelName('vmlinuz')).toBeUndefined()
    expect(parseBootFile('vmlinuz-6.1.0-50-amd64.old@bookworm64')).toBeUndefined()
  })
})

describe('MAC forms', () => {
  it('one canonical form, dashed and bare derived from it', () => {
    const mac = parseMac('08-00-AA-BB-CC-DD')
    expect(mac).toBe('08:00:aa:bb:cc:dd')
    expect(macDashed(mac)).toBe('08-00-aa-bb-cc-dd')
    expect(macBare(mac)).toBe('0800aabbccdd')
  })
  it('per-MAC file names match the pruning patterns, and the marker names the instance', () => {
    const files = masterFiles('08:00:aa:bb:cc:dd')
    expect(files).toEqual({ pxelinux: 'pxelinux.cfg/01-08-00-aa-bb-cc-dd', ipxe: 'ipxe/01-08-00-aa-bb-cc-dd.ipxe', grub: 'grub/grub.cfg-01-08-00-aa-bb-cc-dd' })
    for (const [i, p] of Object.values(files).entries()) {
      const { dir, pattern } = MASTER_FILE_PATTERNS[i]
      expect(p.startsWith(`${dir}/`)).toBe(true)
      expect(pattern.test(p.slice(dir.length + 1))).toBe(true)
    }
    expect(markedInstance(`# ${masterMarker('bookworm64', '08:00:aa:bb:cc:dd')}\n`)).toBe('bookworm64')
    expect(markedInstance('# an admin file\n')).toBeUndefined()
  })
})

describe('instance names', () => {
  it('one pattern', () => {
    expect(INSTANCE_NAME.test('bookworm64')).toBe(true)
    expect(INSTANCE_NAME.test('Bookworm')).toBe(false)
    expect(INSTANCE_NAME.test(`a${'b'.repeat(32)}`)).toBe(false)
  })
})
