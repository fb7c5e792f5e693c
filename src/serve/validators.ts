import type { Stats } from 'node:fs'

/** A strong validator from what identifies a file's content in the tree: inode, size, mtime (publish replaces files by rename). */
export function etagOf(st: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>): string {
  return `"${st.ino.toString(16)}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`
}

/**
 * Whether a conditional GET may be answered 304 (RFC 9110 §13.2.2): If-None-Match wins when
 * present (a list of tags or *); else If-Modified-Since against the mtime, to the second.
 */
export function notModified(headers: { 'if-none-match'?: string; 'if-modified-since'?: string }, etag: string, mtimeMs: number): boolean {
  const inm = headers['if-none-match']
  if (inm !== undefined) {
    return inm.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag)
  }
  const ims = headers['if-modified-since']
  if (ims === undefined) return false
  const since = Date.parse(ims)
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since
}
