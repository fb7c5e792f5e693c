import { readTextIfExists } from '../fs.js'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import YAML from 'yaml'
import type { SidusConfig } from '../config/schema.js'
import { writeFileAtomic } from '../state/atomic.js'
import type { MasterEntry } from '../state/masters.js'

/**
 * The intent of a master change, written before the first step and removed after the
 * last: a sidus killed in between leaves it behind, and the next sidus that writes the
 * tree rolls the change forward to `target`.
 */
export interface MasterJournal {
  op: 'master-set' | 'master-unset'
  instance: string
  /** the master after the change; null = none */
  target: MasterEntry | null
  previous: MasterEntry | null
  started: string
  pid: number
}

export const masterJournalFile = (config: SidusConfig) => path.join(config.paths.state, 'master-journal.yaml')

export async function readMasterJournal(config: SidusConfig): Promise<MasterJournal | undefined> {
  const text = await readTextIfExists(masterJournalFile(config))
  return text === undefined ? undefined : YAML.parse(text) as MasterJournal
}

export async function writeMasterJournal(config: SidusConfig, journal: MasterJournal): Promise<void> {
  await writeFileAtomic(masterJournalFile(config), YAML.stringify(journal), 0o644)
}

export async function clearMasterJournal(config: SidusConfig): Promise<void> {
  await rm(masterJournalFile(config), { force: true })
}
