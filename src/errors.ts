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
/** The operation was cancelled by a signal. */
export class CancelledError extends SidusError {
  override readonly exitCode: number
  constructor(readonly signal: NodeJS.Signals = 'SIGINT') {
    super(`cancelled by ${signal}`)
    this.exitCode = signal === 'SIGTERM' ? 143 : 130
  }
}
/** A service sidus needs cannot be reached: a mirror, an archive (EX_UNAVAILABLE). */
export class UnreachableError extends SidusError { override readonly exitCode = 69 }
