import { readFile } from 'node:fs/promises'
import YAML from 'yaml'
import type { SidusConfig } from '../config/schema.js'
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
  try {
    const parsed = YAML.parse(await readFile(mastersFile(config), 'utf8')) as { masters?: MasterRegistry } | null
    return parsed?.masters ?? {}
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
}

export async function writeMasters(config: SidusConfig, masters: MasterRegistry): Promise<void> {
  await writeFileAtomic(mastersFile(config), YAML.stringify({ masters }), 0o644)
}
