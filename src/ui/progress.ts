import { Listr, type ListrTask } from 'listr2'

export interface Step<C> {
  title: string
  run: (ctx: C, report: (line: string) => void) => Promise<void>
  skip?: (ctx: C) => boolean | string
}

/**
 * Run named steps with listr2 progress on a TTY, plain lines otherwise (CI, --json).
 * listr2's own signal handlers call process.exit, so they are off: sidus owns
 * SIGINT/SIGTERM and every teardown finishes before an error leaves run().
 */
export async function runSteps<C>(steps: Step<C>[], ctx: C, options: { quiet?: boolean } = {}): Promise<C> {
  const tty = Boolean(process.stderr.isTTY) && !options.quiet && !process.env.CI
  const tasks: ListrTask<C>[] = steps.map((step) => ({
    title: step.title,
    skip: step.skip ? (c: C) => step.skip!(c) : undefined,
    task: async (c, task) => {
      await step.run(c, (line) => { task.output = line })
    },
  }))
  const list = new Listr<C>(tasks, {
    concurrent: false,
    exitOnError: true,
    registerSignalListeners: false,
    renderer: options.quiet ? 'silent' : tty ? 'default' : 'simple',
    fallbackRenderer: 'simple',
    rendererOptions: { collapseErrors: false },
    ctx,
  } as never)
  return list.run(ctx)
}
