import { readFile, rm } from 'node:fs/promises'
import YAML from 'yaml'
import type { SidusConfig } from '../config/schema.js'
import { StateError } from '../errors.js'
import { writeFileAtomic } from '../state/atomic.js'
import { generationJournalFile } from '../state/layout.js'

/**
 * The intent of a swap (promote or rollback), written before the first rename and removed
 * after the last step: a sidus killed in between leaves it, and the next one that takes the
 * instance lock rolls the swap forward (src/generations/swap.ts).
 */
export interface SwapJournal {
  op: 'promote' | 'rollback'
  instance: string
  /** the live root's generation before the swap; it is kept as .generations/<instance>/<outgoing> */
  outgoing: number
  /** the generation that becomes live */
  incoming: number
  /** where the incoming root lies before the swap: the stage or a kept generation */
  from: string
  started: string
  pid: number
}

export async function readSwapJournal(config: SidusConfig, name: string): Promise<SwapJournal | undefined> {
  const file = generationJournalFile(config, name)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const j = YAML.parse(text) as Partial<SwapJournal> | null
  if (!j || (j.op !== 'promote' && j.op !== 'rollback') || j.instance !== name || !Number.isInteger(j.outgoing) || !Number.isInteger(j.incoming) || typeof j.from !== 'string') {
    throw new StateError(`${file} is corrupt: an interrupted ${name} swap cannot be completed from it`, {
      suggestion: `look at ${file} and the directories under the roots' .generations/${name}, put the root whole back in place by hand, then remove ${file}`,
    })
  }
  return j as SwapJournal
}

export async function writeSwapJournal(config: SidusConfig, journal: SwapJournal): Promise<void> {
  await writeFileAtomic(generationJournalFile(config, journal.instance), YAML.stringify(journal), 0o644)
}

export async function clearSwapJournal(config: SidusConfig, name: string): Promise<void> {
  await rm(generationJournalFile(config, name), { force: true })
}
