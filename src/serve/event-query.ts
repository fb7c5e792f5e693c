import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
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
export async function readEvents(ctx: Pick<Ctx, 'config'>, q: EventQuery = {}): Promise<{ file: string; events: BootEvent[] }> {
  const file = eventLogFile(ctx.config)
  const keep = await nodeFilter(ctx, q.nodes)
  const last = q.last ?? 20
  const out: BootEvent[] = []
  if (last > 0) {
    await readEventsBackwards(file, (e) => {
      if (!keep || (e.node && keep.has(e.node))) out.push(e)
      return out.length < last
    })
  }
  return { file, events: out.reverse() }
}

/**
 * Print the last events, then new ones as the server appends them, until the signal: the file
 * is polled (it is written by another process), and a rotation (another inode, or a shorter
 * file) restarts at the new file's start.
 */
export async function followEvents(ctx: Pick<Ctx, 'config' | 'signal'>, q: EventQuery, onEvent: (e: BootEvent) => void, pollMs = 500): Promise<number> {
  const file = eventLogFile(ctx.config)
  const keep = await nodeFilter(ctx, q.nodes)
  const pass = (e: BootEvent) => !keep || (e.node !== null && keep.has(e.node))
  let count = 0
  let { size: pos, ino } = await logSize(file)
  for (const e of (await readEvents(ctx, q)).events) { onEvent(e); count++ }
  let partial = ''
  while (!ctx.signal?.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, pollMs)
      ctx.signal?.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
    })
    if (ctx.signal?.aborted) break
    const now = await logSize(file)
    if (now.ino !== ino || now.size < pos) {
      ino = now.ino
      pos = 0
      partial = ''
    }
    if (now.size <= pos) continue
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined)
    if (!handle) continue
    try {
      const buf = Buffer.alloc(now.size - pos)
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos)
      pos += bytesRead
      const lines = (partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        const e = parseEvent(line)
        if (e && pass(e)) { onEvent(e); count++ }
      }
    } finally {
      await handle.close()
    }
  }
  return count
}
