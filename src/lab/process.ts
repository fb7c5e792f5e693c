import { readFile } from 'node:fs/promises'
import { processAlive } from '../state/atomic.js'

/** The pid in a pid file, if the file exists and that process is alive. */
export async function readPid(file: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10)
  return Number.isInteger(pid) && pid > 1 && processAlive(pid) ? pid : undefined
}

/** SIGTERM the given pids (ours, by id), then SIGKILL what is left after `graceMs`. */
export async function stopPids(pids: number[], graceMs = 5000): Promise<void> {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig)
    } catch {
      // already gone
    }
  }
  for (const pid of pids) signal(pid, 'SIGTERM')
  const left = await waitFor(async () => (pids.some(processAlive) ? undefined : true), graceMs)
  if (!left) for (const pid of pids.filter(processAlive)) signal(pid, 'SIGKILL')
  await waitFor(async () => (pids.some(processAlive) ? undefined : true), 2000)
}

/** Poll `probe` until it returns a value or `timeoutMs` passes. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 200, signal?: AbortSignal): Promise<T | undefined> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() >= end || signal?.aborted) return undefined
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
