import { CancelledError, formatError, fromSystemError, InternalError, PermissionError, SidusError, UsageError } from '../errors.js'

/**
 * Every error as the user sees it: sidus's own as they are, raw system errors (ENOSPC, ENOTDIR,
 * EACCES …) named with their file and class, oclif's parse errors as usage errors, anything else
 * as an internal error: always one line and a fix.
 */
export function asSidusError(error: Error & { oclif?: { exit?: number } }, id?: string): SidusError {
  if (error instanceof SidusError) return error
  const system = fromSystemError(error)
  if (system) return system
  const first = (error.message ?? String(error)).split('\n').map((l) => l.trim()).find(Boolean) ?? String(error)
  if (error.oclif?.exit !== undefined) {
    // oclif spreads one parse error over lines ("Missing 1 required arg:\nname  instance name\nSee more help …")
    const lines = (error.message ?? '').split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l && !/^See more help/.test(l))
    return new UsageError(lines.join(' ').replace(/: /, ': ') || first, { suggestion: `see sidus ${id ? `${id.replace(/:/g, ' ')} ` : ''}--help` })
  }
  return new InternalError(first, { suggestion: 'this is a bug in sidus: run it again with SIDUS_DEBUG=1 for the stack trace and report it' })
}

/**
 * Write a command's error (stderr, or one JSON object on stdout under --json) and return the
 * exit code to leave with. One renderer for the oclif commands and exec's fast path
 * (src/cli/exec-fast.ts), so both print the same words.
 */
export function reportError(error: Error, opts: { id?: string; json: boolean; cancelled?: NodeJS.Signals }): number {
  if (opts.cancelled && !(error instanceof SidusError)) error = new CancelledError(opts.cancelled)
  const typed = asSidusError(error, opts.id)
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ error: { type: typed.name, message: typed.message, suggestion: typed.suggestion, exitCode: typed.exitCode } }, null, 2)}\n`)
  } else {
    process.stderr.write(formatError(typed))
  }
  process.exitCode = typed.exitCode
  if (process.env.SIDUS_DEBUG && typed !== error) process.stderr.write(`${error.stack ?? String(error)}\n`)
  return typed.exitCode
}

/** Commands that mount, chroot or write system files refuse to start as another user. */
export function requireRootUser(id: string, argv: string[]): void {
  if (process.getuid?.() === 0) return
  const command = id.replace(/:/g, ' ')
  throw new PermissionError(`sidus ${command} must run as root (it mounts, chroots or writes system files)`, {
    suggestion: `run it again with sudo: sudo sidus ${[command, ...argv].join(' ')}`.trim(),
  })
}
