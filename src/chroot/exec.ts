import type { Ctx } from '../context.js'
import { resolveInstance } from '../instances/current.js'
import { splitExecArgv } from './command-line.js'
import { runInRoot } from './session.js'

export interface ExecOptions {
  noWait?: boolean
  staged?: boolean
  /** capture the output into the result (--json) instead of streaming it */
  capture?: boolean
}

export interface ExecResult { instance: string; exitCode: number; stdout?: string; stderr?: string }

/**
 * `sidus exec`, for the oclif command and the CLI's fast path (src/cli/exec-fast.ts) alike: the
 * command line as typed after `exec` split at `--` (NAME, then the command), the instance
 * resolved (NAME, SIDUS_INSTANCE, default_instance, the only one), the command run in a session.
 * Resolves with the command's exit code, whatever it is.
 */
export async function execInInstance(ctx: Ctx, rawArgv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const split = splitExecArgv(rawArgv)
  const { name } = await resolveInstance(ctx.config, split.name)
  const r = await runInRoot(ctx, name, split.command, {
    stdio: opts.capture ? 'pipe' : 'inherit', noWait: opts.noWait, reject: false, staged: opts.staged,
  })
  return opts.capture ? { instance: name, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr } : { instance: name, exitCode: r.exitCode }
}
