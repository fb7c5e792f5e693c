import { describe, expect, it } from 'vitest'
import { checkInstanceName } from '../../src/domain/instance-name.js'
import { deriveTarget } from '../../src/state/names.js'
import { UsageError } from '../../src/errors.js'

describe('instance names', () => {
  it.each(['stretch64', 'bookworm32', 'lab', 'a', 'node-01', 'a'.repeat(32)])('accepts %s', (name) => {
    expect(checkInstanceName(name)).toBe(name)
  })
  it.each(['../x', 'a b', 'Bookworm64', 'été', '/', '', '-x', '9lives', 'a'.repeat(33), 'x/y', 'x.y', '..'])('refuses %j', (name) => {
    expect(() => checkInstanceName(name)).toThrow(UsageError)
    expect(() => checkInstanceName(name)).toThrow(/invalid instance name/)
  })
})

describe('suite and architecture from the name', () => {
  it.each([
    ['stretch64', {}, { suite: 'stretch', arch: 'amd64' }],
    ['bookworm64', {}, { suite: 'bookworm', arch: 'amd64' }],
    ['stretch32', {}, { suite: 'stretch', arch: 'i386' }],
    ['trixie32', { arch: 'amd64' }, { suite: 'trixie', arch: 'amd64' }],
    ['lab', { suite: 'bookworm' }, { suite: 'bookworm', arch: 'amd64' }],
    ['cluster-a', { suite: 'bookworm', arch: 'arm64' }, { suite: 'bookworm', arch: 'arm64' }],
    ['bookworm64', { suite: 'trixie' }, { suite: 'trixie', arch: 'amd64' }],
  ] as const)('%s %j → %j', (name, flags, want) => {
    expect(deriveTarget(name, flags)).toEqual(want)
  })
  it('needs --suite when the name does not say it', () => {
    const e = (() => { try { deriveTarget('lab') } catch (err) { return err as UsageError } })()
    expect(e!.message).toMatch(/cannot tell the Debian suite from the name "lab"/)
    expect(e!.suggestion).toMatch(/--suite bookworm/)
  })
  it('refuses an unknown architecture', () => {
    expect(() => deriveTarget('bookworm64', { arch: 'z80' })).toThrow(/unknown architecture "z80"/)
  })
  it('checks the name before deriving anything', () => {
    expect(() => deriveTarget('../bookworm64')).toThrow(/invalid instance name/)
  })
})
