import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { isIP, type AddressInfo } from 'node:net'
import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { readGeneration } from '../generations/number.js'
import { rootDir } from '../state/layout.js'
import { parseBootFile } from '../domain/kernel.js'
import { parseMac } from '../domain/mac.js'
import { HTTP_BOOT_SCRIPT, HTTP_MAC_SCRIPT } from '../domain/tftp.js'
import { EventLog, eventLogFile, type BootEvent } from './events.js'
import { sendText, sendTreeFile, type Sent } from './files.js'
import { requestPath, servedKind } from './request-path.js'
import { parseSplitPath } from '../domain/nic-split.js'
import { BootViews, loadServeTemplates, scriptForMac } from './scripts.js'

export interface BootServer { url: string; close(): Promise<void> }

/** Bounds of one server: a request's headers, open connections, how long a silent client is kept. */
export const MAX_HEADER_BYTES = 8 * 1024
export const MAX_CONNECTIONS = 2048
const HEADERS_TIMEOUT_MS = 10_000
const REQUEST_TIMEOUT_MS = 30_000
const IDLE_SOCKET_MS = 60_000
const KEEP_ALIVE_MS = 5_000
/** how many clients' last script the server remembers to attribute their file fetches */
const ATTRIBUTION_ENTRIES = 8192

interface Booting { mac: string | null; node: string | null; instance: string | null }

/**
 * The HTTP boot server: the TFTP tree at / (read-only), `/ipxe/boot.ipxe` (asks for the
 * booting card's own script) and `/ipxe/<mac>.ipxe` (that script), every answer one line in
 * the boot log. GET and HEAD only.
 */
export async function startBootServer(ctx: Ctx, opts: { address: string; port: number; signal?: AbortSignal; maxConnections?: number; /** behind nginx (http.static nginx): a loopback peer's X-Forwarded-For is the client */ behindProxy?: boolean }): Promise<BootServer> {
  const config = ctx.config
  const templates = await loadServeTemplates()
  const views = new BootViews()
  const log = new EventLog(eventLogFile(config), undefined, undefined, (line) => ctx.log?.(`warning: ${line}`))
  /** remote address → the client that last fetched a script from it (insertion order = age) */
  const seen = new Map<string, Booting>()
  const remember = (remote: string, b: Booting) => {
    seen.delete(remote)
    seen.set(remote, b)
    if (seen.size > ATTRIBUTION_ENTRIES) seen.delete(seen.keys().next().value!)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const remote = clientAddress(req, opts.behindProxy ?? false)
    const what = req.url ?? ''
    const record = (sent: Sent, b: Booting, kind: BootEvent['kind'], extra: Pick<BootEvent, 'generation' | 'once'> = {}) =>
      void log.append({ time: new Date().toISOString(), ...b, what, kind, remote, status: sent.status, bytes: sent.bytes, ...extra })
    const known = seen.get(remote) ?? { mac: null, node: null, instance: null }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      record(sendText(res, req, 405, 'only GET and HEAD\n', { Allow: 'GET, HEAD' }), known, 'file')
      return
    }
    const p = requestPath(what)
    if (!p.ok) {
      record(sendText(res, req, p.status, `${p.status === 400 ? 'bad request' : 'not found'}: ${p.why}\n`), known, 'file')
      return
    }
    if (p.rel === HTTP_BOOT_SCRIPT) {
      record(sendText(res, req, 200, templates.boot), { mac: null, node: null, instance: null }, 'script')
      return
    }
    const mac = macOfRoute(p.rel)
    if (mac) {
      const s = await scriptForMac(config, mac, templates, views, { take: req.method === 'GET' })
      const booting = { mac, node: s.node, instance: s.instance }
      remember(remote, booting)
      if (s.override) ctx.log?.(`${s.node}: served its one-shot boot ${s.override.target}`)
      record(sendText(res, req, 200, s.script), booting, 'script', s.override ? { once: s.override.target } : {})
      return
    }
    const kind = servedKind(p.rel)
    // a link out of the tree is the admin's to know; a client asking for a directory is not
    const sent = await sendTreeFile(config.paths.tftp, p.rel, req, res, (line) => { if (/outside the root/.test(line)) ctx.log?.(`warning: ${line}`) })
    const instance = parseBootFile(p.rel.split('/').pop() ?? '')?.instance ?? parseSplitPath(p.rel)?.instance ?? known.instance
    // the generation a kernel boots: what prune asks of the records (src/generations/in-use.ts)
    const generation = kind === 'kernel' && instance ? await liveGeneration(config, instance) : undefined
    record(sent, { ...known, instance }, kind, generation === undefined ? {} : { generation })
  }

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      ctx.log?.(`warning: ${req.method} ${req.url}: ${(error as Error).message}`)
      if (!res.headersSent) sendText(res, req, 500, 'internal error\n')
      else res.destroy()
    })
  })
  server.maxConnections = opts.maxConnections ?? MAX_CONNECTIONS
  server.timeout = IDLE_SOCKET_MS

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.address, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const addr = server.address() as AddressInfo
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      const done = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      // downloads in flight get a moment to finish, then are cut
      const cut = setTimeout(() => server.closeAllConnections(), 5_000)
      await done
      clearTimeout(cut)
      await log.close()
    })()
    return closing
  }
  opts.signal?.addEventListener('abort', () => void close(), { once: true })
  return { url: `http://${host}:${addr.port}`, close }
}

/** The live generation of an instance's root; null when it cannot be read (no such root, a bad number). */
async function liveGeneration(config: SidusConfig, instance: string): Promise<number | null> {
  try {
    return await readGeneration(rootDir(config, instance))
  } catch {
    return null
  }
}

/** Who asked: the peer, or behind nginx the address nginx forwards (trusted from a loopback peer only). */
function clientAddress(req: IncomingMessage, behindProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown'
  if (!behindProxy || !/^(127\.|::1$|::ffff:127\.)/.test(peer)) return peer
  const forwarded = req.headers['x-forwarded-for']
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded ?? '').split(',').pop()?.trim() ?? ''
  return isIP(last) ? last : peer
}

/** The MAC of a `/ipxe/<mac>.ipxe` request (any usual spelling), or undefined for other paths (the tree's own ipxe/01-… files). */
function macOfRoute(rel: string): string | undefined {
  const m = HTTP_MAC_SCRIPT.exec(rel)
  if (!m) return undefined
  try {
    return parseMac(m[1])
  } catch {
    return undefined
  }
}
