/**
 * One byte range of a `Range: bytes=…` header against a file of `size` bytes (RFC 9110 §14).
 * - `{ kind: 'none' }`: no header, a malformed one, another unit or several ranges: the server
 *   ignores it and sends the whole file (200), which RFC 9110 §14.2 allows; iPXE and curl ask
 *   for one range or none.
 * - `{ kind: 'unsatisfiable' }`: a well-formed range that starts past the end (416).
 * - `{ kind: 'range', start, end }`: inclusive byte offsets (206).
 */
export type RangeRequest = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'range'; start: number; end: number }

const SINGLE = /^bytes=(\d*)-(\d*)$/

export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'none' }
  const m = SINGLE.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' }
  if (m[1] === '') {
    // suffix: the last N bytes
    const n = Number(m[2])
    if (!Number.isSafeInteger(n)) return { kind: 'none' }
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' }
    return { kind: 'range', start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(m[1])
  const last = m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2])
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last)) return { kind: 'none' }
  // last before first: invalid syntax (RFC 9110 §14.1.1), ignored
  if (last < start) return { kind: 'none' }
  if (start >= size) return { kind: 'unsatisfiable' }
  return { kind: 'range', start, end: Math.min(last, size - 1) }
}
