import { describe, expect, it } from 'vitest'
import { parseRange } from '../../../src/serve/range.js'
import { parseBootTarget, formatBootTarget } from '../../../src/serve/target.js'
import { rotatedNames, rotationRenames, parseEvent } from '../../../src/serve/events.js'
import { requestPath, servedKind } from '../../../src/serve/request-path.js'
import { etagOf, notModified } from '../../../src/serve/validators.js'
import { UsageError } from '../../../src/errors.js'

describe('parseRange', () => {
  const size = 1000
  it('reads one range: closed, open, suffix; clamps the end to the file', () => {
    expect(parseRange('bytes=0-99', size)).toEqual({ kind: 'range', start: 0, end: 99 })
    expect(parseRange('bytes=900-', size)).toEqual({ kind: 'range', start: 900, end: 999 })
    expect(parseRange('bytes=-10', size)).toEqual({ kind: 'range', start: 990, end: 999 })
    expect(parseRange('bytes=-5000', size)).toEqual({ kind: 'range', start: 0, end: 999 })
    expect(parseRange('bytes=990-5000', size)).toEqual({ kind: 'range', start: 990, end: 999 })
    expect(parseRange(' bytes=1-1 ', size)).toEqual({ kind: 'range', start: 1, end: 1 })
  })
  it('a range starting at or past the end, or an empty suffix, is unsatisfiable', () => {
    expect(parseRange('bytes=1000-', size)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=1000-2000', size)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' })
  })
  it('no header, a malformed one, another unit or several ranges: ignored (the whole file)', () => {
    for (const h of [undefined, '', 'bytes=', 'bytes=-', 'bytes=a-b', 'bytes=5-2', 'items=0-1', 'bytes=0-1,3-4', 'bytes=1e3-', `bytes=${'9'.repeat(30)}-`]) {
      expect(parseRange(h, size), String(h)).toEqual({ kind: 'none' })
    }
  })
})

describe('parseBootTarget', () => {
  it('reads instance, instance:mode, rescue and local', () => {
    expect(parseBootTarget('trixie64')).toEqual({ kind: 'instance', instance: 'trixie64' })
    expect(parseBootTarget('trixie64:aufs')).toEqual({ kind: 'instance', instance: 'trixie64', mode: 'aufs' })
    expect(parseBootTarget('rescue')).toEqual({ kind: 'rescue' })
    expect(parseBootTarget('local')).toEqual({ kind: 'local' })
    expect(parseBootTarget('local:overlay')).toEqual({ kind: 'instance', instance: 'local', mode: 'overlay' })
    expect(formatBootTarget(parseBootTarget('trixie64:overlay'))).toBe('trixie64:overlay')
  })
  it('refuses what is none of them, and rw', () => {
    for (const bad of ['', 'Trixie', 'a:b:c', 'trixie64:', 'trixie64:rw', 'trixie64:ro', '../x', 'x y']) {
      expect(() => parseBootTarget(bad), bad).toThrow(UsageError)
    }
  })
})

describe('boot log rotation naming', () => {
  it('keeps .1 … .N, newest first, and renames oldest first', () => {
    expect(rotatedNames('/s/boot.log', 3)).toEqual(['/s/boot.log.1', '/s/boot.log.2', '/s/boot.log.3'])
    expect(rotationRenames('/s/boot.log', 3)).toEqual([
      ['/s/boot.log.2', '/s/boot.log.3'], ['/s/boot.log.1', '/s/boot.log.2'], ['/s/boot.log', '/s/boot.log.1'],
    ])
  })
  it('parses event lines, and ignores a torn or foreign one', () => {
    expect(parseEvent('{"time":"2026-01-01T00:00:00.000Z","what":"/x"}')?.what).toBe('/x')
    expect(parseEvent('{"time":"2026-01-01T00:0')).toBeUndefined()
    expect(parseEvent('42')).toBeUndefined()
  })
})

describe('requestPath', () => {
  it('accepts plain paths, decoded, without the query', () => {
    expect(requestPath('/vmlinuz-6.1.0@bookworm64')).toEqual({ ok: true, rel: 'vmlinuz-6.1.0@bookworm64' })
    expect(requestPath('/efi64//x%40y?z=1')).toEqual({ ok: true, rel: 'efi64/x@y' })
  })
  it('refuses traversal, NUL, backslash, bad escapes (400) and hidden files (404)', () => {
    for (const bad of ['/..', '/a/../b', '/%2e%2e/x', '/./x', '/a%00', '/a\\b', '/a%5cb', '/%e0%a4%a', 'x']) expect(requestPath(bad), bad).toMatchObject({ ok: false, status: 400 })
    expect(requestPath('/ipxe/.tmp')).toMatchObject({ ok: false, status: 404 })
  })
  it('names what is served', () => {
    expect(servedKind('vmlinuz-6.1.0-50-amd64@a')).toBe('kernel')
    expect(servedKind('efi64/initrd.img-6.1.0-50-amd64@a')).toBe('initrd')
    expect(servedKind('vmlinuz-not-ours')).toBe('file')
    expect(servedKind('sidus.ipxe')).toBe('script')
    expect(servedKind('undionly.kpxe')).toBe('file')
    // the pieces of a split initrd count as the initrd; other files under nics/ do not
    expect(servedKind('nics/6.1.0-50-amd64@a/base.img')).toBe('initrd')
    expect(servedKind('nics/6.1.0-50-amd64@a/pci-8086.img')).toBe('initrd')
    expect(servedKind('nics/6.1.0-50-amd64@a/source.sha256')).toBe('file')
    expect(servedKind('nics/not-a-kernel/base.img')).toBe('file')
    expect(servedKind('x/nics/6.1.0-50-amd64@a/base.img')).toBe('file')
  })
})

describe('validators', () => {
  const tag = etagOf({ ino: 255, size: 16, mtimeMs: 4096.7 })
  it('are strong tags of inode, size and mtime', () => expect(tag).toBe('"ff-10-1000"'))
  it('answer 304 to a matching tag or *, or a date not before the mtime; If-None-Match wins', () => {
    expect(notModified({ 'if-none-match': tag }, tag, 4096)).toBe(true)
    expect(notModified({ 'if-none-match': `W/${tag}` }, tag, 4096)).toBe(true)
    expect(notModified({ 'if-none-match': '*' }, tag, 4096)).toBe(true)
    expect(notModified({ 'if-none-match': '"x"', 'if-modified-since': new Date(10_000).toUTCString() }, tag, 4096)).toBe(false)
    expect(notModified({ 'if-modified-since': new Date(4000).toUTCString() }, tag, 4999)).toBe(true)
    expect(notModified({ 'if-modified-since': new Date(3000).toUTCString() }, tag, 4096)).toBe(false)
    expect(notModified({ 'if-modified-since': 'garbage' }, tag, 4096)).toBe(false)
    expect(notModified({}, tag, 4096)).toBe(false)
  })
})

describe('http.port in sidus.yaml', () => {
  it('defaults to 8470, takes a port, refuses what is not one with file:line', async () => {
    const { parseConfig } = await import('../../../src/config/load.js')
    expect(parseConfig('').http.port).toBe(8470)
    expect(parseConfig('http:\n  port: 80\n').http.port).toBe(80)
    for (const bad of ['0', '65536', '8.5', 'web']) expect(() => parseConfig(`http:\n  port: ${bad}\n`, 's.yaml'), bad).toThrow(/s\.yaml:2: http\.port: must be a TCP port/)
  })
})
