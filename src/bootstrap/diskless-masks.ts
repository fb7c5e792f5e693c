import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { assetPath } from '../assets.js'

/** One unit a diskless client goes without, and why. */
export interface DisklessMask {
  unit: string
  reason: string
  /** a minimal root does not have it (it is masked all the same where it is installed) */
  optional: boolean
}

/** Where create puts the list and the generator that applies it, inside the root. */
export const MASKS_IN_ROOT = 'etc/sidus/diskless-masks'
export const GENERATOR_IN_ROOT = 'etc/systemd/system-generators/sidus-diskless'

/** The asset's lines: `<unit> <reason…>`; `#` comments and blank lines skipped. */
export function parseDisklessMasks(text: string): DisklessMask[] {
  const masks: DisklessMask[] = []
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (!trimmed || trimmed.startsWith('#')) continue
    const [unit, ...rest] = trimmed.split(/\s+/)
    const reason = rest.join(' ')
    masks.push({ unit, reason: reason.replace(/^optional:\s*/, ''), optional: reason.startsWith('optional:') })
  }
  return masks
}

export async function readDisklessMasks(): Promise<DisklessMask[]> {
  return parseDisklessMasks(await readFile(assetPath('bootstrap/diskless-masks'), 'utf8'))
}

/**
 * Put the list and the sidus-diskless generator into a root being created: at every boot that
 * is not rw the generator masks the listed units (see the generator's own comment for why a
 * generator). `root` is create's staging directory, not yet served: plain copies are enough.
 */
export async function installDisklessMasks(root: string): Promise<void> {
  for (const [asset, rel, mode] of [['bootstrap/diskless-masks', MASKS_IN_ROOT, 0o644], ['bootstrap/sidus-diskless-generator', GENERATOR_IN_ROOT, 0o755]] as const) {
    const target = path.join(root, rel)
    await mkdir(path.dirname(target), { recursive: true })
    await copyFile(assetPath(asset), target)
    await chmod(target, mode)
  }
}
