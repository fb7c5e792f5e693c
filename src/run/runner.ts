/**
 * The one gateway for external programs. Every program sidus runs goes through a
 * Runner: argv arrays only (never a shell string built from input), an optional
 * cancel signal, and the full argv in any error. LocalRunner runs here; SshRunner
 * runs the same calls on a remote boot server.
 */
export interface RunOptions {
  cwd?: string
  env?: Record<string, string | undefined>
  /** replace the environment instead of extending it */
  extendEnv?: boolean
  input?: string | Buffer
  signal?: AbortSignal
  /** 'pipe' captures output (default); 'inherit' streams it to our stdio */
  stdio?: 'pipe' | 'inherit'
  /** do not throw on a non-zero exit: the caller inspects exitCode */
  reject?: boolean
  timeoutMs?: number
  /** our open descriptors the program gets as its fds 3, 4, … (local only: flock(1) on a lock we keep open) */
  shareFds?: number[]
  /** called with each line of stdout/stderr while the program runs (piped mode) */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void
}

export interface RunResult {
  argv: string[]
  exitCode: number
  signal?: string
  stdout: string
  stderr: string
  durationMs: number
}

export interface Runner {
  /** where programs run, for messages: 'local' or 'ssh://host' */
  readonly where: string
  run(argv: string[], options?: RunOptions): Promise<RunResult>
  /** true when `program` is found on PATH */
  which(program: string): Promise<string | undefined>
}

/** Quote argv for display in messages and logs (never for execution). */
export function formatArgv(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')
}
