import { chmod, readFile, stat } from 'node:fs/promises'
import { assetPath, listLines } from '../assets.js'
import { resolveInRoot } from '../domain/root-path.js'
import { writeIfChanged } from '../state/atomic.js'

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
  return listLines(text).map(([unit, ...rest]) => {
    const reason = rest.join(' ')
    return { unit, reason: reason.replace(/^optional:\s*/, ''), optional: reason.startsWith('optional:') }
  })
}

export async function readDisklessMasks(): Promise<DisklessMask[]> {
  return parseDisklessMasks(await readFile(assetPath('bootstrap/diskless-masks'), 'utf8'))
}

/**
 * Put the list and the sidus-diskless generator into a root (with the dracut module: at create
 * and at every `sidus initrd build`, so an existing root gets them with its next initrd). At
 * every boot that is not rw the generator masks the listed units; see its own comment for why a
 * generator. Written like the module: atomically, only when changed, never through a symlink
 * out of the root. Returns the files (as the root sees them) and those written.
 */
export async function installDisklessMasks(root: string): Promise<{ files: string[]; changed: string[] }> {
  const result = { files: [] as string[], changed: [] as string[] }
  for (const [asset, rel, mode] of [['bootstrap/diskless-masks', MASKS_IN_ROOT, 0o644], ['bootstrap/sidus-diskless-generator', GENERATOR_IN_ROOT, 0o755]] as const) {
    const target = await resolveInRoot(root, rel)
    const status = await writeIfChanged(target, await readFile(assetPath(asset)), mode)
    if (status === 'unchanged' && ((await stat(target)).mode & 0o7777) !== mode) await chmod(target, mode)
    result.files.push(`/${rel}`)
    if (status !== 'unchanged') result.changed.push(`/${rel}`)
  }
  return result
}
