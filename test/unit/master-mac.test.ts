import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../src/config/schema.js'
import { ConflictError, UsageError } from '../../src/errors.js'
import { checkHostname, masterAddress } from '../../src/master/address.js'
import { parseMac } from '../../src/domain/mac.js'

describe('parseMac: canonical forms', () => {
  it.each([
    ['aa:bb:cc:dd:ee:f0', 'aa:bb:cc:dd:ee:f0'],
    ['AA-BB-CC-DD-EE-F0', 'aa:bb:cc:dd:ee:f0'],
    ['aabb.ccdd.eef0', 'aa:bb:cc:dd:ee:f0'],
    ['AABBCCDDEEF0', 'aa:bb:cc:dd:ee:f0'],
    ['aabbccddeef0', 'aa:bb:cc:dd:ee:f0'],
    [' 08:00:27:0A:0b:0C ', '08:00:27:0a:0b:0c'],
    ['52-54-00-12-34-56', '52:54:00:12:34:56'],
  ])('%s → %s', (input, canonical) => {
    expect(parseMac(input)).toBe(canonical)
  })
})

describe('parseMac: refusals, each with its reason', () => {
  it.each([
    ['aa:bb:cc:dd:ee', /has 10 hex digits; a MAC address has 12/],
    ['aa:bb:cc:dd:ee:ff:00', /has 14 hex digits/],
    ['aabbccddeef', /has 11 hex digits/],
    ['gg:bb:cc:dd:ee:ff', /characters that are not hex digits/],
    ['aa:bb:cc:dd:ee:zz', /not hex digits/],
    ['aa:bb-cc:dd:ee:ff', /mixes or misplaces separators/],
    ['aabb.ccddee.ff', /mixes or misplaces separators/],
    ['', /has 0 hex digits/],
    ['ff:ff:ff:ff:ff:ff', /ff:ff:ff:ff:ff:ff is the broadcast address/],
    ['00:00:00:00:00:00', /00:00:00:00:00:00 is all zeros/],
    ['01:00:5e:00:00:01', /01:00:5e:00:00:01 is a multicast address \(its first octet 01 is odd\)/],
    ['33-33-00-00-00-01', /is a multicast address \(its first octet 33 is odd\)/],
  ])('%j refused: %s', (input, message) => {
    let error: unknown
    try { parseMac(input) } catch (e) { error = e }
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toMatch(message)
    expect((error as UsageError).suggestion).toBeTruthy()
  })
})

describe('masterAddress', () => {
  const c = defaultConfig()
  c.server = { address: '10.20.17.254', network: '10.20.17.0/24' }
  c.dhcp.range = { start: '10.20.17.100', end: '10.20.17.200' }
  const m = (instance: string, mac: string, ip: string) => ({ instance, mac, ip, since: 'x' })

  it('defaults to the highest free host address, as SIDUS used .253', () => {
    expect(masterAddress(c, {}, 'a', '08:00:00:00:00:01')).toBe('10.20.17.253')
    expect(masterAddress(c, { b: m('b', '08:00:00:00:00:02', '10.20.17.253') }, 'a', '08:00:00:00:00:01')).toBe('10.20.17.252')
  })
  it('keeps the address of the same machine, reuses the root\'s own for a new one', () => {
    expect(masterAddress(c, { a: m('a', '08:00:00:00:00:01', '10.20.17.9') }, 'a', '08:00:00:00:00:01')).toBe('10.20.17.9')
    expect(masterAddress(c, { a: m('a', '08:00:00:00:00:01', '10.20.17.253') }, 'a', '08:00:00:00:00:07')).toBe('10.20.17.253')
  })
  it('refuses addresses that cannot be the master\'s', () => {
    expect(() => masterAddress(c, {}, 'a', 'x', '10.20.18.5')).toThrow(/not inside server.network/)
    expect(() => masterAddress(c, {}, 'a', 'x', '10.20.17.254')).toThrow(/server's own address/)
    expect(() => masterAddress(c, {}, 'a', 'x', '10.20.17.255')).toThrow(/broadcast/)
    expect(() => masterAddress(c, {}, 'a', 'x', '10.20.17.150')).toThrow(/DHCP pool/)
    expect(() => masterAddress(c, {}, 'a', 'x', '10.20.17')).toThrow(UsageError)
    expect(() => masterAddress(c, { b: m('b', 'y', '10.20.17.7') }, 'a', 'x', '10.20.17.7')).toThrow(ConflictError)
  })
  it('checks host names', () => {
    expect(checkHostname('Admin-64')).toBe('admin-64')
    expect(() => checkHostname('-bad')).toThrow(UsageError)
    expect(() => checkHostname('a_b')).toThrow(UsageError)
  })
})
