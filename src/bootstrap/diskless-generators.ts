import { lstat, mkdir, readFile, readlink, rm } from 'node:fs/promises'
import path from 'node:path'
import { assetPath, listLines } from '../assets.js'
import { readTextInRoot, resolveInRoot } from '../domain/root-path.js'
import { symlinkAtomic } from '../publish/writer.js'

/** A systemd generator a diskless root goes without, and why (assets/bootstrap/diskless-generators). */
export interface DisklessGenerator {
  name: string
  /** masked only while this file of the root lists nothing; undefined: always */
  unless?: string
  reason: string
}

/** Where the masks go: systemd reads /etc's generators before /usr/lib's, a link to /dev/null masks. */
export const GENERATORS_DIR_IN_ROOT = 'etc/systemd/system-generators'

/** The asset's lines: `<generator> always|unless:<file> <reason…>`; `#` comments and blank lines skipped. */
export function parseDisklessGenerators(text: string): DisklessGenerator[] {
  return listLines(text).map(([name, when, ...rest]) => {
    if (when !== 'always' && !/^unless:\/\S+$/.test(when ?? '')) throw new Error(`diskless-generators: "${name} ${when ?? ''}": the second word must be always or unless:/<file>`)
    return { name, unless: when === 'always' ? undefined : when.slice('unless:'.length), reason: rest.join(' ') }
  })
}

export async function readDisklessGenerators(): Promise<DisklessGenerator[]> {
  return parseDisklessGenerators(await readFile(assetPath('bootstrap/diskless-generators'), 'utf8'))
}

/** A config file "lists something": a line that is neither blank nor a comment. */
export function listsSomething(text: string | undefined): boolean {
  return listLines(text ?? '').length > 0
}

/** What is at `p`: nothing, a mask (a link to /dev/null: ours), or something else (the admin's). */
async function entryAt(p: string): Promise<'none' | 'mask' | 'other'> {
  try {
    const st = await lstat(p)
    return st.isSymbolicLink() && (await readlink(p)) === '/dev/null' ? 'mask' : 'other'
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none'
    throw error
  }
}

/**
 * Mask the listed generators in a root (with the dracut module: at create and at every
 * `sidus initrd build`): a link to /dev/null, made under a temp name and renamed into place.
 * A generator whose `unless` file lists something gets its mask taken away (only a link to
 * /dev/null, ours); an admin's own file or link of that name is left as it is. The directory
 * is resolved as inside a chroot: nothing is written through a symlink out of the root.
 * Returns the masks in place (as the root sees them), those added or removed, those left to the admin.
 */
export async function installDisklessGenerators(root: string): Promise<{ files: string[]; changed: string[]; removed: string[]; kept: string[] }> {
  const result = { files: [] as string[], changed: [] as string[], removed: [] as string[], kept: [] as string[] }
  const dir = await resolveInRoot(root, GENERATORS_DIR_IN_ROOT)
  await mkdir(dir, { recursive: true })
  for (const g of await readDisklessGenerators()) {
    const target = path.join(dir, g.name)
    const shown = `/${GENERATORS_DIR_IN_ROOT}/${g.name}`
    const wanted = g.unless === undefined || !listsSomething(await readTextInRoot(root, g.unless))
    const entry = await entryAt(target)
    if (!wanted) {
      if (entry === 'mask') {
        await rm(target)
        result.removed.push(shown)
      }
    } else if (entry === 'other') {
      result.kept.push(shown)
    } else {
      if (entry === 'none') {
        await symlinkAtomic('/dev/null', target)
        result.changed.push(shown)
      }
      result.files.push(shown)
    }
  }
  return result
}
