import { Command, Flags, type Interfaces } from '@oclif/core'
import { loadConfig } from './config/load.js'
import type { SidusConfig } from './config/schema.js'
import type { Ctx } from './context.js'
import { CancelledError, formatError, fromSystemError, InternalError, PermissionError, SidusError, UsageError } from './errors.js'
import { LocalRunner } from './run/local.js'
import type { Runner } from './run/runner.js'
import { installCancelScope, type CancelScope } from './signals.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof SidusCommand)['baseFlags'] & T['flags']>

/**
 * Every sidus command: --config, --json, the admin's config loaded, the gateway,
 * a cancel signal, root checks, and typed errors rendered with their suggestion
 * and exit code. Commands stay thin: parse, call one core function, render.
 */
export abstract class SidusCommand extends Command {
  static enableJsonFlag = true
  static baseFlags = {
    config: Flags.string({ description: 'configuration file (default: $SIDUS_CONFIG or /etc/sidus/sidus.yaml)', helpGroup: 'GLOBAL' }),
  }

  /** commands that change the system set this */
  static needsRoot = false

  protected sidus!: SidusConfig
  /** parsed once in init(); commands cast them to their own flag types */
  protected flags!: Record<string, unknown>
  protected args!: Record<string, unknown>
  protected runner: Runner = new LocalRunner()
  protected cancel!: CancelScope

  override async init(): Promise<void> {
    await super.init()
    const ctor = this.constructor as typeof SidusCommand
    const { flags, args } = await this.parse({
      flags: ctor.flags, baseFlags: ctor.baseFlags, args: ctor.args, strict: ctor.strict, enableJsonFlag: ctor.enableJsonFlag,
    } as never)
    this.flags = flags as Record<string, unknown>
    this.args = args as Record<string, unknown>
    if (ctor.needsRoot && process.getuid?.() !== 0) {
      throw new PermissionError(`sidus ${this.id?.replace(/:/g, ' ')} must run as root (it mounts, chroots or writes system files)`, {
        suggestion: `run it again with sudo: sudo sidus ${this.argv.join(' ')}`.trim(),
      })
    }
    this.sidus = loadConfig((flags as { config?: string }).config)
    this.cancel = installCancelScope()
  }

  /** the context core functions take */
  protected get ctx(): Ctx {
    return { config: this.sidus, runner: this.runner, signal: this.cancel.signal, log: (line) => this.info(line) }
  }

  protected get quiet(): boolean {
    return this.jsonEnabled()
  }

  /** progress/info lines go to stderr so stdout stays the result */
  protected info(line: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${line}\n`)
  }

  override async catch(error: Error & { exitCode?: number; code?: string; oclif?: { exit?: number } }): Promise<unknown> {
    // this.exit() (and --help/--version) end through here: not an error
    if (error.code === 'EEXIT') return super.catch(error)
    if (this.cancel?.received() && !(error instanceof SidusError)) error = new CancelledError(this.cancel.received())
    const typed = asSidusError(error, this.id)
    if (this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify({ error: { type: typed.name, message: typed.message, suggestion: typed.suggestion, exitCode: typed.exitCode } }, null, 2)}\n`)
    } else {
      process.stderr.write(formatError(typed))
    }
    process.exitCode = typed.exitCode
    if (process.env.SIDUS_DEBUG && typed !== error) process.stderr.write(`${error.stack ?? String(error)}\n`)
    // oclif exits with this code; nothing is left to tear down at this point
    return this.exit(typed.exitCode)
  }

  override async finally(error: Error | undefined): Promise<unknown> {
    this.cancel?.dispose()
    return super.finally(error)
  }
}

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
