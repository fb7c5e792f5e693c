import type { Ctx } from '../context.js'
import { checkInstanceName } from '../domain/instance-name.js'

/**
 * The generations of `name` that a booted client still runs on, from the boot records of
 * `sidus serve`; undefined when there are no boot records to tell (then nothing may be pruned
 * without --force). No boot records exist yet: this is the one place to read them once they do.
 */
export async function generationsInUse(ctx: Pick<Ctx, 'config'>, name: string): Promise<Set<number> | undefined> {
  checkInstanceName(name)
  void ctx
  return undefined
}
