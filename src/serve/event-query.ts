import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import type { Ctx } from '../context.js'
import { loadInventory } from '../inventory/file.js'
import { selectNodes } from '../nodes/service.js'
import { eventLogFile, logSize, parseEvent, readEventsBackwards, type BootEvent } from './events.js'

export interface EventQuery {
  /** node set: only their events */
  nodes?: string
  /** the last N events (default 20) */
  last?: number
}

/** The node names a query keeps, or undefined for all. */
async function nodeFilter(ctx: Pick<Ctx, 'config'>, set?: string): Promise<Set<string> | undefined> {
  if (set === undefined) return undefined
  return new Set(selectNodes(await loadInventory(ctx.config), set).map((n) => n.name))
}

/** The last N boot events (of some nodes), oldest first. */
export async function readEvents(ctx: Pick<Ctx, 'config'>, q: EventQuery = {}, endAt?: number): Promise<{ file: string; events: BootEvent[] }> {
  const file = eventLogFile(ctx.config)
  const keep = await nodeFilter(ctx, q.nodes)
  const last = q.last ?? 20
  const out: BootEvent[] = []
  if (last > 0) {
    await readEventsBackwards(file, (e) => {
      if (!keep || (e.node && keep.has(e.node))) out.push(e)
      return out.length < last
    }, { endAt })
  }
  return { file, events: out.reverse() }
}

/**
 * Print the last events, then new ones as the server appends them, until the signal. The file is
 * polled (another process writes it) through a descriptor held open, as `tail -F` does: when the
 * log is rotated (the path names another inode), what was appended to the old file before the
 * rename is read from the held descriptor, then the new file is followed from its start.
 */
export async function followEvents(ctx: Pick<Ctx, 'config' | 'signal'>, q: EventQuery, onEvent: (e: BootEvent) => void, pollMs = 500): Promise<number> {
  const file = eventLogFile(ctx.config)
  const keep = await nodeFilter(ctx, q.nodes)
  const pass = (e: BootEvent) => !keep || (e.node !== null && keep.has(e.node))
  let count = 0
  let held: { handle: FileHandle; ino: number; pos: number; partial: string } | undefined
  const openHeld = async (fromStart: boolean) => {
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined)
    if (!handle) return undefined
    const st = await handle.stat()
    return { handle, ino: st.ino, pos: fromStart ? 0 : st.size, partial: '' }
  }
  const drain = async (h: NonNullable<typeof held>) => {
    const size = (await h.handle.stat()).size
    if (size < h.pos) { h.pos = 0; h.partial = '' } // truncated by hand
    if (size === h.pos) return
    const buf = Buffer.alloc(size - h.pos)
    const { bytesRead } = await h.handle.read(buf, 0, buf.length, h.pos)
    h.pos += bytesRead
    const lines = (h.partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n')
    h.partial = lines.pop() ?? ''
    for (const line of lines) {
      const e = parseEvent(line)
      if (e && pass(e)) { onEvent(e); count++ }
    }
  }
  try {
    held = await openHeld(false)
    // the backlog ends where following starts: no line twice, none missed
    for (const e of (await readEvents(ctx, q, held?.pos ?? 0)).events) { onEvent(e); count++ }
    while (!ctx.signal?.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs)
        ctx.signal?.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
      })
      if (ctx.signal?.aborted) break
      if (held) await drain(held)
      const now = await logSize(file)
      if (now.ino !== 0 && now.ino !== held?.ino) {
        await held?.handle.close()
        held = await openHeld(true)
        if (held) await drain(held)
      }
    }
  } finally {
    await held?.handle.close()
  }
  return count
}
