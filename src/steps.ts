/**
 * A named step of a long core operation. The core reports its steps through a
 * StepRunner; the command layer draws them (listr2 in the CLI), the core never does.
 */
export interface Step {
  title: string
  /** `report` takes the step's latest output line */
  run: (report: (line: string) => void) => Promise<void>
}

export type StepRunner = (steps: Step[]) => Promise<void>

/** Run the steps one after the other, showing nothing (tests, lab demo, --json). */
export const runStepsQuietly: StepRunner = async (steps) => {
  for (const step of steps) await step.run(() => {})
}
