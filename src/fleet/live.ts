import { stat } from 'node:fs/promises'
import type { SidusConfig } from '../config/schema.js'
import { listBoot } from '../domain/boot-scan.js'
import { readTextInRoot } from '../domain/root-path.js'
import { rootDir } from '../state/layout.js'
import type { LiveRoot } from './probe.js'

/** The file promote writes into a root: its generation number (absent = 1, the root as created). */
export const GENERATION_FILE = 'etc/sidus-generation'

/**
 * What a node of `instance` would boot now: the live root's generation and its newest kernel
 * (what publish serves). Undefined when there is no such root.
 */
export async function liveRoot(config: SidusConfig, instance: string, warn?: (line: string) => void): Promise<LiveRoot | undefined> {
  let root: string
  try { root = rootDir(config, instance) } catch { return undefined }
  if (!(await stat(root).then((s) => s.isDirectory(), () => false))) return undefined
  const kernels = await listBoot(root, { warn }).catch(() => [])
  const text = await readTextInRoot(root, GENERATION_FILE, { refuseOutside: true, warn })
  const n = Number((text ?? '1').trim().split('\n')[0])
  return { instance, generation: Number.isInteger(n) && n > 0 ? n : 1, kernel: kernels[0]?.kver }
}

/** liveRoot for each instance named, once each. */
export async function liveRoots(config: SidusConfig, instances: (string | undefined)[], warn?: (line: string) => void): Promise<Map<string, LiveRoot | undefined>> {
  const out = new Map<string, LiveRoot | undefined>()
  for (const i of new Set(instances)) if (i !== undefined) out.set(i, await liveRoot(config, i, warn))
  return out
}
