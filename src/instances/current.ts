import type { SidusConfig } from '../config/schema.js'
import { UsageError } from '../errors.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { listRootNames } from '../state/roots.js'

/** Where the instance a command works on came from. */
export type InstanceSource = 'argument' | 'SIDUS_INSTANCE' | 'default_instance' | 'only instance'

export interface CurrentInstance { name: string; source: InstanceSource }

const HOW_TO_CHOOSE = 'name it on the command line, or set SIDUS_INSTANCE=<name>, or default_instance: <name> in sidus.yaml'

/**
 * The instance a command works on when the admin may leave it out (the card's
 * `sidus exec -- apt-get install`): the argument; SIDUS_INSTANCE; default_instance in
 * sidus.yaml; the only instance there is. Anything else is a one-line error naming the
 * instances and how to choose.
 */
export async function resolveInstance(config: SidusConfig, argument?: string, env: NodeJS.ProcessEnv = process.env): Promise<CurrentInstance> {
  if (argument) return { name: checkInstanceName(argument), source: 'argument' }
  const fromEnv = env.SIDUS_INSTANCE?.trim()
  if (fromEnv) return { name: named(fromEnv, 'SIDUS_INSTANCE'), source: 'SIDUS_INSTANCE' }
  if (config.default_instance) return { name: config.default_instance, source: 'default_instance' }
  const names = await listRootNames(config)
  if (names.length === 1) return { name: names[0], source: 'only instance' }
  if (names.length === 0) {
    throw new UsageError(`no instance named, and there is none under ${config.paths.roots}`, {
      suggestion: 'create one first: sidus create bookworm64',
    })
  }
  throw new UsageError(`which instance? there are ${names.length}: ${names.join(', ')}`, { suggestion: HOW_TO_CHOOSE })
}

function named(value: string, where: string): string {
  try {
    return checkInstanceName(value)
  } catch (error) {
    throw new UsageError(`${where}=${JSON.stringify(value)} is not an instance name`, {
      suggestion: (error as UsageError).suggestion, cause: error,
    })
  }
}
