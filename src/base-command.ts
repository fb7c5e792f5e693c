import { Command, Flags, type Interfaces } from '@oclif/core'
import { Listr } from 'listr2'
import { loadConfig } from './config/load.js'
import type { SidusConfig } from './config/schema.js'
import type { Ctx } from './context.js'
import { CancelledError, PermissionError, SidusError } from './errors.js'
import { LocalRunner } from './run/local.js'
import type { Runner } from './run/runner.js'
import { installCancelScope, type CancelScope } from './signals.js'
import type { Step } from './steps.js'

/** A command's parsed flags (its own and the base flags) and args, typed from its static declarations. */
export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof SidusCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * Every sidus command: --config, --json, the admin's config loaded, the gateway,
 * a cancel signal, root checks, and typed errors rendered with their suggestion
 * and exit code. Commands stay thin: parse, call one core function, render.
 */
export abstract class SidusCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true
  static baseFlags = {
    config: Flags.string({ description: 'configuration file (default: $SIDUS_CONFIG or /etc/sidus/sidus.yaml)', helpGroup: 'GLOBAL' }),
  }

  /** commands that change the system set this */
  static needsRoot = false

  protected sidus!: SidusConfig
  /** parsed once in init(), typed from the command's own `flags` and `args` */
  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  /** the positional arguments as given (commands with strict = false read the rest here) */
  protected argvParsed!: string[]
  protected runner: Runner = new LocalRunner()
  protected cancel!: CancelScope

  override async init(): Promise<void> {
    await super.init()
    const ctor = this.constructor as typeof SidusCommand & T
    const { flags, args, argv } = await this.parse({
      flags: ctor.flags, baseFlags: ctor.baseFlags, args: ctor.args, strict: ctor.strict, enableJsonFlag: ctor.enableJsonFlag,
    })
    // the one place the parse result meets the command's static declarations
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
    this.argvParsed = argv.map(String)
    if (ctor.needsRoot && process.getuid?.() !== 0) {
      throw new PermissionError(`sidus ${this.id?.replace(/:/g, ' ')} must run as root (it mounts, chroots or writes system files)`, {
        suggestion: `run it again with sudo: sudo sidus ${this.argv.join(' ')}`.trim(),
      })
    }
    this.sidus = loadConfig(this.flags.config)
    this.cancel = installCancelScope()
  }

  /** the context core functions take */
  protected get ctx(): Ctx {
    return { config: this.sidus, runner: this.runner, signal: this.cancel.signal, log: (line) => this.info(line) }
  }

  /**
   * Draw a core operation's steps: listr2 progress on a TTY, plain lines otherwise (CI),
   * nothing under --json. listr2's own signal handlers call process.exit, so they are
   * off: sidus owns SIGINT/SIGTERM and every teardown finishes before an error leaves run().
   */
  protected async drawSteps(steps: Step[]): Promise<void> {
    const quiet = this.jsonEnabled()
    const tty = Boolean(process.stderr.isTTY) && !quiet && !process.env.CI
    const list = new Listr(steps.map((step) => ({
      title: step.title,
      task: async (_: unknown, task: { output: string }) => { await step.run((line) => { task.output = line }) },
    })), {
      concurrent: false,
      exitOnError: true,
      registerSignalListeners: false,
      renderer: quiet ? 'silent' : tty ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      rendererOptions: { collapseErrors: false },
    })
    await list.run()
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
