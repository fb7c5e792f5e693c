import { access, constants } from 'node:fs/promises'
import path from 'node:path'
import { CancelledError, ExternalError } from '../errors.js'
import { formatArgv, type RunOptions, type RunResult, type Runner } from './runner.js'
import { KILL_GRACE_MS, spawnInherit } from './spawn.js'

/** Error for a program that ran and failed: carries the full argv and the tail of stderr. */
export class CommandFailedError extends ExternalError {
  constructor(readonly result: RunResult) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n')
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`
    super(`${formatArgv(result.argv)} ${how}${tail ? `:\n${tail}` : ''}`)
  }
}

export class LocalRunner implements Runner {
  readonly where = 'local'

  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) throw new ExternalError('empty argv given to the gateway')
    const inherit = options.stdio === 'inherit'
    if (inherit && options.input === undefined && !options.onLine) {
      const result = await spawnInherit(argv, options)
      if (result.exitCode !== 0 && options.reject !== false) throw new CommandFailedError(result)
      return result
    }
    // loaded on first use: `sidus exec` streams through spawnInherit and never pays for it
    const { execa } = await import('execa')
    const [file, ...args] = argv
    const started = Date.now()
    const child = execa(file, args, {
      cwd: options.cwd,
      env: options.env,
      extendEnv: options.extendEnv ?? true,
      input: options.input,
      cancelSignal: options.signal,
      // the child gets SIGTERM on cancel, then SIGKILL after the grace period
      forceKillAfterDelay: KILL_GRACE_MS,
      stdin: options.input === undefined ? (inherit ? 'inherit' : 'ignore') : 'pipe',
      stdout: inherit ? 'inherit' : 'pipe',
      stderr: inherit ? 'inherit' : 'pipe',
      reject: false,
      stripFinalNewline: false,
      timeout: options.timeoutMs,
      maxBuffer: 256 * 1024 * 1024,
    })
    if (options.onLine && !inherit) {
      for (const [stream, name] of [[child.stdout, 'stdout'], [child.stderr, 'stderr']] as const) {
        let pending = ''
        stream?.on('data', (chunk: Buffer) => {
          pending += chunk.toString()
          const lines = pending.split('\n')
          pending = lines.pop() ?? ''
          for (const line of lines) options.onLine!(line, name)
        })
      }
    }
    const r = await child
    const result: RunResult = {
      argv,
      exitCode: r.exitCode ?? (r.signal ? 128 : 1),
      signal: r.signal ?? undefined,
      stdout: typeof r.stdout === 'string' ? r.stdout : '',
      stderr: typeof r.stderr === 'string' ? r.stderr : '',
      durationMs: Date.now() - started,
    }
    if (r.isCanceled) throw new CancelledError()
    if (r.failed && r.exitCode === undefined && !r.signal) {
      // spawn failure (ENOENT...): say which program and argv
      throw new ExternalError(`cannot run ${formatArgv(argv)}: ${r.originalMessage ?? r.shortMessage}`)
    }
    if (r.timedOut) throw new ExternalError(`${formatArgv(argv)} timed out after ${options.timeoutMs} ms`)
    if (result.exitCode !== 0 && options.reject !== false) throw new CommandFailedError(result)
    return result
  }

  async which(program: string): Promise<string | undefined> {
    if (program.includes('/')) return (await isExecutable(program)) ? program : undefined
    for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
      if (!dir) continue
      const candidate = path.join(dir, program)
      if (await isExecutable(candidate)) return candidate
    }
    return undefined
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}
