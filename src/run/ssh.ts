import { NodeSSH } from 'node-ssh'
import { CancelledError, ExternalError } from '../errors.js'
import { CommandFailedError } from './local.js'
import type { RunOptions, RunResult, Runner } from './runner.js'

/** POSIX single-quote one argument: the remote shell sees exactly this word. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

/**
 * The same gateway over SSH, for a remote boot server. SSH carries a command
 * string, so every argv element is quoted here, in one place, never built by callers.
 */
export class SshRunner implements Runner {
  readonly where: string
  private readonly ssh = new NodeSSH()
  private connected?: Promise<unknown>

  constructor(private readonly target: { host: string; username?: string; port?: number; privateKeyPath?: string }) {
    this.where = `ssh://${target.username ? `${target.username}@` : ''}${target.host}`
  }

  private connect(): Promise<unknown> {
    this.connected ??= this.ssh.connect({
      host: this.target.host,
      username: this.target.username ?? 'root',
      port: this.target.port ?? 22,
      privateKeyPath: this.target.privateKeyPath,
    })
    return this.connected
  }

  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    await this.connect()
    const started = Date.now()
    const env = Object.entries(options.env ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${shellQuote(v!)}`)
    const command = [...(env.length ? ['env', ...env] : []), ...argv.map(shellQuote)].join(' ')
    if (options.signal?.aborted) throw new CancelledError()
    const r = await this.ssh.execCommand(command, {
      cwd: options.cwd,
      stdin: options.input === undefined ? undefined : options.input.toString(),
      onStdout: options.stdio === 'inherit' ? (c) => process.stdout.write(c) : undefined,
      onStderr: options.stdio === 'inherit' ? (c) => process.stderr.write(c) : undefined,
    })
    if (options.signal?.aborted) throw new CancelledError()
    const result: RunResult = {
      argv,
      exitCode: r.code ?? 255,
      signal: r.signal ?? undefined,
      stdout: r.stdout,
      stderr: r.stderr,
      durationMs: Date.now() - started,
    }
    if (r.code === null && !r.signal) throw new ExternalError(`${this.where}: connection lost running ${argv[0]}`)
    if (result.exitCode !== 0 && options.reject !== false) throw new CommandFailedError(result)
    return result
  }

  async which(program: string): Promise<string | undefined> {
    const r = await this.run(['sh', '-c', 'command -v "$1"', 'which', program], { reject: false })
    return r.exitCode === 0 ? r.stdout.trim() : undefined
  }

  dispose(): void {
    this.ssh.dispose()
  }
}
