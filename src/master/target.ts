import type { SidusConfig } from '../config/schema.js'
import { UsageError } from '../errors.js'
import { resolveInstance } from '../instances/current.js'

/** hex digits and separators only, with a separator or 12 digits: meant as a MAC (parseMac says if it is a good one) */
const looksLikeMac = (s: string) => /^[0-9a-f:.-]+$/i.test(s) && /[:.-]|^[0-9a-f]{12}$/i.test(s)

/**
 * `master set MAC` or `master set NAME MAC`. A MAC is never an instance name (names start
 * with a letter and have no ':' '.'; bare 12-hex MACs that start with a letter are the one
 * overlap, and a lone argument is read as the MAC), so the two forms cannot be confused.
 */
export async function masterTarget(config: SidusConfig, first: string | undefined, second: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ name: string; mac: string }> {
  if (first !== undefined && second !== undefined) return { name: (await resolveInstance(config, first, env)).name, mac: second }
  if (first === undefined) {
    throw new UsageError('no MAC address given', { suggestion: 'sidus master set [NAME] MAC, e.g. sidus master set 52:54:00:12:34:56' })
  }
  if (!looksLikeMac(first)) {
    throw new UsageError(`${JSON.stringify(first)} is not a MAC address, and no MAC follows it`, {
      suggestion: `sidus master set ${first} <MAC>, or sidus master set <MAC> for the current instance`,
    })
  }
  return { name: (await resolveInstance(config, undefined, env)).name, mac: first }
}
