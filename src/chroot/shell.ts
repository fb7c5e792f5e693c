import { stat } from 'node:fs/promises'
import type { Ctx } from '../context.js'
import type { RunResult } from '../run/runner.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { locateRoot, resolveInRoot } from './root.js'
import { runInRoot } from './session.js'
import { requireStage } from '../generations/index.js'

/** The root's bash if it has one, else its /bin/sh (a busybox root). */
export async function pickShell(root: string): Promise<string> {
  try {
    if ((await stat(await resolveInRoot(root, 'bin/bash'))).isFile()) return '/bin/bash'
  } catch { /* no bash */ }
  return '/bin/sh'
}

/** `sidus shell`: the exec session with an interactive shell whose prompt names the instance. */
export async function shellInRoot(ctx: Ctx, name: string, opts: { noWait?: boolean; staged?: boolean } = {}): Promise<RunResult> {
  checkInstanceName(name)
  const shell = await pickShell(await locateRoot(ctx.config, name, opts.staged ? await requireStage(ctx, name) : undefined))
  return runInRoot(ctx, name, [shell, '-i'], { stdio: 'inherit', interactive: true, reject: false, noWait: opts.noWait, staged: opts.staged })
}
