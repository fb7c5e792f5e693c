import { readFile } from 'node:fs/promises'
import YAML from 'yaml'
import type { SidusConfig } from '../config/schema.js'
import { StateError } from '../errors.js'
import { writeFileAtomic } from './atomic.js'
import { mastersFile } from './layout.js'

/** The one read-write machine of a root. */
export interface MasterEntry {
  instance: string
  /** canonical: lower-case, colon-separated */
  mac: string
  ip?: string
  hostname?: string
  since: string
}

/** instance name → its master. Read without a lock: the file is always replaced whole. */
export type MasterRegistry = Record<string, MasterEntry>

export async function readMasters(config: SidusConfig): Promise<MasterRegistry> {
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

/**
 * For commands that only show or warn about masters (list, info, exec): a corrupt registry is
 * told once, as a warning naming the file and the fix, and the command goes on without it.
 */
export async function readMastersOrWarn(config: SidusConfig, warn?: (line: string) => void): Promise<MasterRegistry> {
  try {
    return await readMasters(config)
  } catch (error) {
    if (!(error instanceof StateError)) throw error
    warn?.(`${error.message}; going on without it (fix: ${error.suggestion})`)
    return {}
  }
}

export async function writeMasters(config: SidusConfig, masters: MasterRegistry): Promise<void> {
  await writeFileAtomic(mastersFile(config), YAML.stringify({ masters }), 0o644)
}
