import { spawn } from 'node:child_process'
import { CancelledError, ExternalError } from '../errors.js'
import { formatArgv, type RunOptions, type RunResult } from './runner.js'

/** after SIGTERM (cancel or timeout), SIGKILL follows this late: the same grace execa gets */
export const KILL_GRACE_MS = 5000

/**
 * The gateway's light path: a program that streams to our own stdio, with nothing to feed it
 * and nothing to capture, needs only node:child_process. It spares `sidus exec` loading execa
 * (about a third of its start-up) and behaves as LocalRunner's execa path does: the same exit
 * codes (128 for a signal death), the same errors for a missing program, a cancel or a timeout.
 */
export function spawnInherit(argv: string[], options: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv
  const started = Date.now()
  const env = options.extendEnv === false ? options.env : options.env ? { ...process.env, ...options.env } : undefined
  return new Promise((resolve, reject) => {
    let settled = false
    let cancelled = false
    let timedOut = false
    let killTimer: NodeJS.Timeout | undefined
    const child = spawn(file, args, { cwd: options.cwd, env, stdio: 'inherit' })
    const stop = () => {
      child.kill('SIGTERM')
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS)
      killTimer.unref()
    }
    const onAbort = () => {
      cancelled = true
      stop()
    }
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true
      stop()
    }, options.timeoutMs)
    if (options.signal?.aborted) onAbort()
    else options.signal?.addEventListener('abort', onAbort, { once: true })
    const done = (outcome: () => RunResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(killTimer)
      options.signal?.removeEventListener('abort', onAbort)
      try { resolve(outcome()) } catch (error) { reject(error) }
    }
    child.once('error', (error: NodeJS.ErrnoException) => done(() => {
      throw new ExternalError(`cannot run ${formatArgv(argv)}: ${error.message}`)
    }))
    child.once('close', (code, signal) => done(() => {
      if (cancelled) throw new CancelledError()
      if (timedOut) throw new ExternalError(`${formatArgv(argv)} timed out after ${options.timeoutMs} ms`)
      const result: RunResult = {
        argv, exitCode: code ?? (signal ? 128 : 1), signal: signal ?? undefined, stdout: '', stderr: '', durationMs: Date.now() - started,
      }
      return result
    }))
  })
}
