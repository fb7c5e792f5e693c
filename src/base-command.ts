import { Command, Flags, type Interfaces } from '@oclif/core'
import { loadConfig } from './config/load.js'
import type { SidusConfig } from './config/schema.js'
import type { Ctx } from './context.js'
import { CancelledError, PermissionError, SidusError } from './errors.js'
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

  override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (this.cancel?.received() && !(error instanceof SidusError)) error = new CancelledError(this.cancel.received())
    if (error instanceof SidusError) {
      if (this.jsonEnabled()) {
        process.stdout.write(`${JSON.stringify({ error: { type: error.name, message: error.message, suggestion: error.suggestion, exitCode: error.exitCode } }, null, 2)}\n`)
      } else {
        process.stderr.write(`sidus: error: ${error.message}\n${error.suggestion ? `  fix: ${error.suggestion}\n` : ''}`)
      }
      process.exitCode = error.exitCode
      // oclif exits with this code; nothing is left to tear down at this point
      return this.exit(error.exitCode)
    }
    if (this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify({ error: { type: error.name, message: error.message.split('\n')[0] } }, null, 2)}\n`)
      return this.exit(error.oclif?.exit ?? 2)
    }
    return super.catch(error)
  }

  override async finally(error: Error | undefined): Promise<unknown> {
    this.cancel?.dispose()
    return super.finally(error)
  }
}
