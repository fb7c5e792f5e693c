import { ExternalError } from '../errors.js'
import { shellJoin } from '../fleet/quote.js'
import { CommandFailedError } from './local.js'
import type { RunOptions, RunResult, Runner } from './runner.js'

/** The part of node-ssh's connection this runner uses (kept narrow so tests and callers can see what it needs). */
export interface SshExec {
  execCommand(command: string, options?: { cwd?: string; stdin?: string; noTrim?: boolean; onStdout?: (chunk: Buffer) => void; onStderr?: (chunk: Buffer) => void }): Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null }>
}

/**
 * The gateway over SSH: the same Runner calls, run by the remote shell. SSH carries a command
 * as one string, so the argv is quoted word by word (shellJoin): the remote program gets
 * exactly these words, never a shell string built from input.
 */
export class SshRunner implements Runner {
  constructor(private readonly ssh: SshExec, readonly where: string) {}

  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) throw new ExternalError('empty argv given to the gateway')
    if (options.input !== undefined && typeof options.input !== 'string') throw new ExternalError('the SSH runner takes text input only')
    const env = Object.entries(options.env ?? {}).filter((e): e is [string, string] => e[1] !== undefined)
    const command = shellJoin([...(env.length > 0 ? ['env', ...env.map(([k, v]) => `${k}=${v}`)] : []), ...argv])
    const started = Date.now()
    const lines = options.onLine ? lineSplitter(options.onLine) : undefined
    const r = await this.ssh.execCommand(command, {
      cwd: options.cwd,
      stdin: options.input,
      noTrim: true,
      onStdout: lines ? (c) => lines('stdout', c) : undefined,
      onStderr: lines ? (c) => lines('stderr', c) : undefined,
    })
    const result: RunResult = {
      argv,
      exitCode: r.code ?? (r.signal ? 128 : 255),
      signal: r.signal ?? undefined,
      stdout: r.stdout,
      stderr: r.stderr,
      durationMs: Date.now() - started,
    }
    if (result.exitCode !== 0 && options.reject !== false) throw new CommandFailedError(result)
    return result
  }

  async which(program: string): Promise<string | undefined> {
    const r = await this.run(['sh', '-c', 'command -v "$1"', 'sh', program], { reject: false })
    return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : undefined
  }
}

function lineSplitter(onLine: NonNullable<RunOptions['onLine']>) {
  const pending = { stdout: '', stderr: '' }
  return (stream: 'stdout' | 'stderr', chunk: Buffer) => {
    pending[stream] += chunk.toString()
    const lines = pending[stream].split('\n')
    pending[stream] = lines.pop() ?? ''
    for (const line of lines) onLine(line, stream)
  }
}
