import { constants } from 'node:fs'
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import type { ServedKind } from './request-path.js'

/** One line of the boot log: what the server sent (or refused) to whom. */
export interface BootEvent {
  /** ISO 8601, UTC */
  time: string
  mac: string | null
  node: string | null
  instance: string | null
  /** the path asked for */
  what: string
  kind: ServedKind
  remote: string
  status: number
  /** body bytes sent */
  bytes: number
  /** with a kernel: the instance's live generation when it was sent (what the machine then mounts) */
  generation?: number | null
  /** a script that was a one-shot boot (sidus node boot --once): its target, e.g. rescue */
  once?: string
}

/** The log rotates when it would pass this size; this many old logs are kept (boot.log.1 newest). */
export const EVENT_LOG_MAX_BYTES = 16 * 1024 * 1024
export const EVENT_LOG_KEEP = 4

export const eventsDir = (c: SidusConfig) => path.join(c.paths.state, 'events')
export const eventLogFile = (c: SidusConfig) => path.join(eventsDir(c), 'boot.log')

/** The rotated logs, newest first: boot.log.1 … boot.log.<keep>. */
export function rotatedNames(file: string, keep = EVENT_LOG_KEEP): string[] {
  return Array.from({ length: keep }, (_, i) => `${file}.${i + 1}`)
}

/** The renames one rotation does, oldest first so none overwrites a log still to move: .3→.4, .2→.3, .1→.2, log→.1 (.4 is dropped by the first rename). */
export function rotationRenames(file: string, keep = EVENT_LOG_KEEP): [string, string][] {
  const names = [file, ...rotatedNames(file, keep)]
  const out: [string, string][] = []
  for (let i = names.length - 2; i >= 0; i--) out.push([names[i], names[i + 1]])
  return out
}

/**
 * The append-only boot log of one server process: each event is one write(2) of one line to a
 * descriptor opened O_APPEND, so readers (sidus events --follow) never see half a line. Writes
 * are queued in order; rotation happens between two lines.
 */
export class EventLog {
  private handle?: FileHandle
  private size = 0
  private queue: Promise<void> = Promise.resolve()

  constructor(readonly file: string, private readonly maxBytes = EVENT_LOG_MAX_BYTES, private readonly keep = EVENT_LOG_KEEP, private readonly warn: (line: string) => void = () => {}) {}

  append(event: BootEvent): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(event)}\n`)
    this.queue = this.queue.then(() => this.write(line)).catch((error: unknown) => this.warn(`boot log ${this.file}: ${(error as Error).message}`))
    return this.queue
  }

  /** wait for the queued lines and close the file */
  async close(): Promise<void> {
    await this.queue
    await this.handle?.close()
    this.handle = undefined
  }

  private async write(line: Buffer): Promise<void> {
    if (!this.handle) await this.openLog()
    if (this.size > 0 && this.size + line.length > this.maxBytes) {
      await this.handle!.close()
      this.handle = undefined
      for (const [from, to] of rotationRenames(this.file, this.keep)) {
        await rename(from, to).catch((error: NodeJS.ErrnoException) => { if (error.code !== 'ENOENT') throw error })
      }
      await this.openLog()
    }
    await this.handle!.write(line, 0, line.length)
    this.size += line.length
  }

  private async openLog(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true })
    this.handle = await open(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644)
    this.size = (await this.handle.stat()).size
  }
}

/** Parse one log line; undefined for a line that is not an event (a torn last line, garbage). */
export function parseEvent(line: string): BootEvent | undefined {
  try {
    const e = JSON.parse(line) as BootEvent
    return typeof e === 'object' && e !== null && typeof e.time === 'string' && typeof e.what === 'string' ? e : undefined
  } catch {
    return undefined
  }
}

/**
 * Read lines from the end of the log (then the rotated ones), newest first, in chunks, until
 * `visit` returns false: cheap however long the log is when what is wanted is recent.
 */
export async function readEventsBackwards(file: string, visit: (e: BootEvent) => boolean, opts: { keep?: number; endAt?: number } = {}): Promise<void> {
  for (const f of [file, ...rotatedNames(file, opts.keep)]) {
    if (!(await readFileBackwards(f, visit, f === file ? opts.endAt : undefined))) return
  }
}

/** `endAt`: read the file as it was at that size (what a follower has not yet taken). */
async function readFileBackwards(file: string, visit: (e: BootEvent) => boolean, endAt?: number): Promise<boolean> {
  let handle: FileHandle
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw error
  }
  try {
    const chunk = 64 * 1024
    let pos = Math.min(endAt ?? Infinity, (await handle.stat()).size)
    let rest = Buffer.alloc(0)
    while (pos > 0) {
      const len = Math.min(chunk, pos)
      pos -= len
      const buf = Buffer.alloc(len)
      await handle.read(buf, 0, len, pos)
      let data = Buffer.concat([buf, rest])
      let end = data.length
      for (let i = data.length - 1; i >= 0; i--) {
        if (data[i] !== 0x0a) continue
        const line = data.subarray(i + 1, end).toString('utf8')
        end = i
        const e = line ? parseEvent(line) : undefined
        if (e && !visit(e)) return false
      }
      rest = data.subarray(0, end)
      data = Buffer.alloc(0)
    }
    const first = rest.toString('utf8')
    const e = first ? parseEvent(first) : undefined
    if (e && !visit(e)) return false
    return true
  } finally {
    await handle.close()
  }
}

/** The size of the log now (0 when there is none): where --follow starts. */
export async function logSize(file: string): Promise<{ size: number; ino: number }> {
  try {
    const st = await stat(file)
    return { size: st.size, ino: st.ino }
  } catch {
    return { size: 0, ino: 0 }
  }
}
