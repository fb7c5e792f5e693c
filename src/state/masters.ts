import { readFile } from 'node:fs/promises'
import YAML from 'yaml'
import type { SidusConfig } from '../config/schema.js'
import { StateError } from '../errors.js'
import { mastersFile } from './layout.js'

/** The one read-write machine of a root: the inventory's rw node of that instance (src/inventory/masters.ts). */
export interface MasterEntry {
  instance: string
  /** canonical: lower-case, colon-separated */
  mac: string
  ip?: string
  hostname?: string
  /** the node of nodes.yaml it is; none for an entry of masters.yaml not yet migrated */
  node?: string
  /** masters.yaml (before the inventory) recorded when it was set */
  since?: string
}

/** instance name → its master. */
export type MasterRegistry = Record<string, MasterEntry>

/**
 * masters.yaml, where sidus kept the masters before the node inventory: read until the first
 * sidus that writes moves its entries into nodes.yaml (migrateLegacyMastersLocked).
 */
export async function readLegacyMasters(config: SidusConfig): Promise<MasterRegistry> {
  const file = mastersFile(config)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
  const corrupt = (why: string) => new StateError(`${file} is corrupt (${why}): the registry of read-write masters cannot be read`, {
    suggestion: `repair it by hand (it maps instance names to {instance, mac, ip, since}), or move it aside (mv ${file} ${file}.bad) and set the masters again with \`sidus master set\``,
  })
  let parsed: unknown
  try {
    parsed = YAML.parse(text)
  } catch (error) {
    throw corrupt(`invalid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  if (parsed === null || parsed === undefined) return {}
  const masters = (parsed as { masters?: unknown }).masters
  if (typeof parsed !== 'object' || Array.isArray(parsed) || (masters !== undefined && masters !== null && (typeof masters !== 'object' || Array.isArray(masters)))) {
    throw corrupt('not a mapping under masters:')
  }
  for (const [name, m] of Object.entries((masters ?? {}) as Record<string, unknown>)) {
    const e = m as Partial<MasterEntry> | null
    if (!e || typeof e !== 'object' || e.instance !== name || typeof e.mac !== 'string' || (e.ip !== undefined && typeof e.ip !== 'string')) {
      throw corrupt(`the entry ${JSON.stringify(name)} is not {instance: ${name}, mac, ip, since}`)
    }
  }
  return (masters ?? {}) as MasterRegistry
}
