import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { openInRoot } from '../domain/root-path.js'
import { parseRange } from './range.js'
import { etagOf, notModified } from './validators.js'

/** What was sent: the status and the body bytes that left. */
export interface Sent { status: number; bytes: number }

/**
 * Send one file of the tree, read-only: opened inside the tree the way a root's files are
 * (no symlink out, regular files only: a directory is 404, never a listing), streamed from
 * the open descriptor (a 60 MB initrd is never held in memory), with its validators, HEAD,
 * conditional requests (304) and one byte range (206/416).
 */
export async function sendTreeFile(tree: string, rel: string, req: IncomingMessage, res: ServerResponse, warn?: (line: string) => void): Promise<Sent> {
  const file = rel === '' ? undefined : await openInRoot(tree, rel, { refuseOutside: true, warn })
  if (!file) return sendText(res, req, 404, 'not found\n')
  try {
    const st = await file.handle.stat()
    const etag = etagOf(st)
    res.setHeader('ETag', etag)
    res.setHeader('Last-Modified', st.mtime.toUTCString())
    res.setHeader('Accept-Ranges', 'bytes')
    res.setHeader('Content-Type', /\.(ipxe|cfg)$/.test(rel) || /(^|\/)pxelinux\.cfg\//.test(rel) ? 'text/plain; charset=utf-8' : 'application/octet-stream')
    if (notModified(req.headers, etag, st.mtimeMs)) {
      res.writeHead(304)
      res.end()
      return { status: 304, bytes: 0 }
    }
    // If-Range with another validator: the file changed, send it whole
    const ifRange = req.headers['if-range']
    const range = ifRange !== undefined && ifRange !== etag ? { kind: 'none' as const } : parseRange(req.headers.range, st.size)
    if (range.kind === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${st.size}`)
      return sendText(res, req, 416, 'range not satisfiable\n')
    }
    const [status, start, end] = range.kind === 'range' ? [206, range.start, range.end] : [200, 0, st.size - 1]
    if (status === 206) res.setHeader('Content-Range', `bytes ${start}-${end}/${st.size}`)
    const length = Math.max(0, end - start + 1)
    res.setHeader('Content-Length', length)
    res.writeHead(status)
    if (req.method === 'HEAD' || length === 0) {
      res.end()
      return { status, bytes: 0 }
    }
    const stream = file.handle.createReadStream({ start, end, autoClose: false, highWaterMark: 256 * 1024 })
    let read = 0
    stream.on('data', (chunk: string | Buffer) => { read += chunk.length })
    try {
      await pipeline(stream, res)
    } catch {
      // the client went away mid-file: it got at most what was read
    }
    return { status, bytes: res.writableFinished ? length : read }
  } finally {
    await file.handle.close().catch(() => {})
  }
}

/** A short text answer (scripts, refusals), with its length; no body for HEAD. */
export function sendText(res: ServerResponse, req: IncomingMessage, status: number, body: string, headers: Record<string, string> = {}): Sent {
  const buf = Buffer.from(body)
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': buf.length, 'Cache-Control': 'no-store', ...headers })
  if (req.method === 'HEAD') {
    res.end()
    return { status, bytes: 0 }
  }
  res.end(buf)
  return { status, bytes: buf.length }
}
