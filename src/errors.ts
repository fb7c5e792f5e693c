/**
 * Typed errors. Each carries the exit code the CLI leaves with and a suggestion
 * telling the admin how to fix the problem. Core modules throw these; only the
 * base command turns them into output.
 */
export class SidusError extends Error {
  /** sysexits-style exit code */
  readonly exitCode: number = 1
  readonly suggestion?: string
  constructor(message: string, options: { suggestion?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.suggestion = options.suggestion
  }
}

/** A state file sidus wrote (masters.yaml, instance metadata) cannot be read back (EX_DATAERR). */
export class StateError extends SidusError { override readonly exitCode = 65 }
/** The system refused a file operation: no space, read-only, I/O error (EX_IOERR). */
export class IoError extends SidusError { override readonly exitCode = 74 }
/** Bad input on the command line (EX_USAGE). */
export class UsageError extends SidusError { override readonly exitCode = 64 }
/** A thing the admin named does not exist (EX_NOINPUT). */
export class NotFoundError extends SidusError { override readonly exitCode = 66 }
/** An external program failed or misbehaved (EX_SOFTWARE). */
export class ExternalError extends SidusError { override readonly exitCode = 70 }
/** The system is not in a state that lets us proceed: mounts, conflicts (EX_CANTCREAT). */
export class ConflictError extends SidusError { override readonly exitCode = 73 }
/** Try again later: a lock is held (EX_TEMPFAIL). */
export class BusyError extends SidusError { override readonly exitCode = 75 }
/** Not root (EX_NOPERM). */
export class PermissionError extends SidusError { override readonly exitCode = 77 }
/** Configuration file invalid (EX_CONFIG). */
export class ConfigError extends SidusError { override readonly exitCode = 78 }
/** A required host package is missing (EX_UNAVAILABLE). */
export class MissingPackageError extends SidusError {
  override readonly exitCode = 69
  constructor(readonly program: string, readonly pkg: string, message?: string) {
    super(message ?? `${program} is not installed`, { suggestion: `apt-get install ${pkg}` })
  }
}
/** Something sidus did not expect: a bug (EX_SOFTWARE). */
export class InternalError extends SidusError { override readonly exitCode = 70 }
/** The operation was cancelled by a signal. */
export class CancelledError extends SidusError {
  override readonly exitCode: number
  constructor(readonly signal: NodeJS.Signals = 'SIGINT') {
    super(`cancelled by ${signal}`)
    this.exitCode = signal === 'SIGTERM' ? 143 : 130
  }
}

/** What the user reads: `sidus: error: …` and, when there is one, the `fix:` line. */
export function formatError(error: SidusError): string {
  return `sidus: error: ${error.message}\n${error.suggestion ? `  fix: ${error.suggestion}\n` : ''}`
}

/**
 * A raw Node system error (ENOSPC, ENOTDIR, EACCES …) as a typed error of its class: one line
 * naming the file and what went wrong, and what to do. Anything else is left as it is.
 */
export function fromSystemError(error: unknown): SidusError | undefined {
  if (error instanceof SidusError || !(error instanceof Error)) return undefined
  const e = error as NodeJS.ErrnoException & { dest?: string }
  if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return undefined
  const file = e.path ?? e.dest
  const on = file ? `${file}: ` : ''
  const op = e.syscall ? ` (${e.syscall})` : ''
  const where = file ? ` holding ${file}` : ''
  switch (e.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new IoError(`${on}no space left on the file system${op}`, { suggestion: `free space on the file system${where} (df -h${file ? ` ${file}` : ''}) and run the command again`, cause: error })
    case 'EROFS':
      return new IoError(`${on}the file system is read-only${op}`, { suggestion: `remount the file system${where} read-write, or point the config at a writable directory`, cause: error })
    case 'EIO':
      return new IoError(`${on}input/output error${op}`, { suggestion: `check the disk${where} (dmesg) before trying again`, cause: error })
    case 'EACCES':
    case 'EPERM':
      return new PermissionError(`${on}permission denied${op}`, { suggestion: `run as root (sudo), or fix the permissions of ${file ?? 'the file'}`, cause: error })
    case 'ENOENT':
      return new NotFoundError(`${on}no such file or directory${op}`, { suggestion: `check that ${file ?? 'the path'} exists (and the paths in the config)`, cause: error })
    case 'ENOTDIR':
      return new ConflictError(`${on}a part of this path is a file where a directory is expected${op}`, { suggestion: `move the file in the way aside (check each component of ${file ?? 'the path'})`, cause: error })
    case 'EISDIR':
      return new ConflictError(`${on}is a directory where a file is expected${op}`, { suggestion: `move the directory ${file ?? ''} aside`.trimEnd(), cause: error })
    case 'EEXIST':
      return new ConflictError(`${on}already exists${op}`, { suggestion: `move ${file ?? 'it'} aside and run the command again`, cause: error })
    case 'EMFILE':
    case 'ENFILE':
      return new IoError(`too many open files${op}`, { suggestion: 'raise the open-file limit (ulimit -n) and run the command again', cause: error })
    default:
      return new IoError(`${on}${e.message.split('\n')[0].replace(/^[A-Z0-9]+: /, '')}`, { suggestion: `check ${file ?? 'the file system'} and run the command again`, cause: error })
  }
}

/** A service sidus needs cannot be reached: a mirror, an archive (EX_UNAVAILABLE). */
export class UnreachableError extends SidusError { override readonly exitCode = 69 }
