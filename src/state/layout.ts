import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { checkInstanceName } from '../domain/instance-name.js'

/** Where things live, derived from config. The single place paths are built from names. */
export function rootDir(config: SidusConfig, name: string): string {
  return path.join(config.paths.roots, checkInstanceName(name))
}
export const instanceMetaFile = (c: SidusConfig, name: string) => path.join(c.paths.state, 'instances', `${checkInstanceName(name)}.yaml`)
export const lockFile = (c: SidusConfig, name: string) => path.join(c.paths.state, 'locks', `${checkInstanceName(name)}.lock`)
export const mastersFile = (c: SidusConfig) => path.join(c.paths.state, 'masters.yaml')
export const aptCacheDir = (c: SidusConfig, suite: string, arch: string) => path.join(c.paths.cache, 'apt', `${suite}-${arch}`)
export const labDir = (c: SidusConfig) => path.join(c.paths.state, 'lab')
/** Kept generations and the stage of an instance: beside the live root, on its file system, so swaps are renames. */
export const generationsDir = (c: SidusConfig, name: string) => path.join(c.paths.roots, '.generations', checkInstanceName(name))
export const generationDir = (c: SidusConfig, name: string, n: number) => path.join(generationsDir(c, name), String(n))
export const stageDir = (c: SidusConfig, name: string) => path.join(generationsDir(c, name), 'stage')
export const generationJournalFile = (c: SidusConfig, name: string) => path.join(c.paths.state, 'generations', `${checkInstanceName(name)}.journal.yaml`)
/** The one file naming a root's generation (one integer); a root without it is generation 1. */
export const GENERATION_FILE = 'etc/sidus-generation'
