import { Command, Flags, type Interfaces } from '@oclif/core'
import { loadConfig } from './config/load.js'
import type { SidusConfig } from './config/schema.js'
import type { Ctx } from './context.js'
import { reportError, requireRootUser } from './cli/report-error.js'
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
    if (ctor.needsRoot) requireRootUser(this.id ?? '', this.argv)
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
    // loaded here, not at the top: most commands draw no steps (exec's start-up, bench/exec)
    const { Listr } = await import('listr2')
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

  override async catch(error: Error & { exitCode?: number; code?: string; oclif?: { exit?: number } }): Promise<unknown> {
    // this.exit() (and --help/--version) end through here: not an error
    if (error.code === 'EEXIT') return super.catch(error)
    const exitCode = reportError(error, { id: this.id, json: this.jsonEnabled(), cancelled: this.cancel?.received() })
    // oclif exits with this code; nothing is left to tear down at this point
    return this.exit(exitCode)
  }

  override async finally(error: Error | undefined): Promise<unknown> {
    this.cancel?.dispose()
    return super.finally(error)
  }
}
