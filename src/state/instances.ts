import { readFile } from 'node:fs/promises'
import YAML from 'yaml'
import type { SidusConfig } from '../config/schema.js'
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

export async function readInstanceMeta(config: SidusConfig, name: string): Promise<InstanceMeta | undefined> {
  try {
    return YAML.parse(await readFile(instanceMetaFile(config, name), 'utf8')) as InstanceMeta
  } catch {
    return undefined
  }
}

export async function writeInstanceMeta(config: SidusConfig, meta: InstanceMeta): Promise<void> {
  await writeFileAtomic(instanceMetaFile(config, meta.name), YAML.stringify(meta), 0o644)
}
