import { UsageError } from '../errors.js'

/** The body of an instance name, for patterns that embed one (boot file names, markers). */
export const INSTANCE_NAME_BODY = '[a-z][a-z0-9-]{0,31}'
/** An instance name: lower case, starts with a letter, letters, digits and -, at most 32 characters. */
export const INSTANCE_NAME = new RegExp(`^${INSTANCE_NAME_BODY}$`)

/** Refuse anything that is not a plain instance name, before any path is built from it. */
export function checkInstanceName(name: string): string {
  if (!INSTANCE_NAME.test(name)) {
    throw new UsageError(`invalid instance name ${JSON.stringify(name)}`, {
      suggestion: 'use a lower-case name that starts with a letter: letters, digits and -, at most 32 characters (e.g. bookworm64)',
    })
  }
  return name
}
