import { readTextIfExists } from '../fs.js'
import YAML from 'yaml'
import type { SidusConfig } from '../config/schema.js'
import { StateError } from '../errors.js'
import { writeFileAtomic } from './atomic.js'
import { instanceMetaFile } from './layout.js'

/** What sidus remembers about an instance it created. Adopted roots have none. */
export interface InstanceMeta {
  name: string
  suite: string
  arch: string
  profile: string
  bootstrapper: string
  mirror: string
  created: string
}

/** The metadata of an instance, undefined when it has none (adopted); a corrupt file is a StateError naming it. */
export async function readInstanceMeta(config: SidusConfig, name: string): Promise<InstanceMeta | undefined> {
  const file = instanceMetaFile(config, name)
  const text = await readTextIfExists(file)
  if (text === undefined) return undefined
  let parsed: unknown
  try { parsed = YAML.parse(text) } catch (error) { parsed = error }
  const meta = parsed as Partial<InstanceMeta> | null
  if (!meta || typeof meta !== 'object' || parsed instanceof Error || meta.name !== name || typeof meta.suite !== 'string') {
    throw new StateError(`${file} is corrupt (${parsed instanceof Error ? `invalid YAML: ${parsed.message.split('\n')[0]}` : `not the metadata of ${name}`})`, {
      suggestion: `repair it by hand, or move it aside (mv ${file} ${file}.bad): ${name} is then shown as adopted, read from its root`,
    })
  }
  return meta as InstanceMeta
}

export async function writeInstanceMeta(config: SidusConfig, meta: InstanceMeta): Promise<void> {
  await writeFileAtomic(instanceMetaFile(config, meta.name), YAML.stringify(meta), 0o644)
}
