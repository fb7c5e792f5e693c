import type { Ctx } from '../context.js'
import type { RunResult } from '../run/runner.js'

/**
 * What create needs from the exec session and the dracut module, injected so the
 * bootstrap code stays one concern and tests can see each step.
 */
export interface RootSteps {
  /** packages the dracut module needs in the root */
  rootPackages: string[]
  runInRoot(ctx: Ctx, name: string, argv: string[], opts: { rootDir: string; input?: string; env?: Record<string, string> }): Promise<RunResult>
  installModule(ctx: Ctx, name: string, rootDir: string): Promise<unknown>
  buildInitrd(ctx: Ctx, name: string, rootDir: string): Promise<{ kernel: string; path: string; bytes: number }[]>
  verifyInitrd(ctx: Ctx, name: string, rootDir: string): Promise<unknown>
}

export function rootStep(steps: RootSteps, ctx: Ctx, name: string, rootDir: string) {
  return (argv: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
    steps.runInRoot(ctx, name, argv, { rootDir, ...opts })
}
