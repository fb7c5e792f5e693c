import { lstat } from 'node:fs/promises'
import path from 'node:path'
import { StateError } from '../errors.js'
import { readTextInRoot, resolveInRoot } from '../domain/root-path.js'
import { writeFileAtomic } from '../state/atomic.js'
import { GENERATION_FILE } from '../state/layout.js'
import { isDirectory } from '../fs.js'

/** A root's generation number, from its /etc/sidus-generation (read root-safe); 1 when it has none. */
export async function readGeneration(root: string): Promise<number> {
  const text = await readTextInRoot(root, GENERATION_FILE)
  if (text === undefined) return 1
  const n = Number(text.trim())
  if (!Number.isInteger(n) || n < 1) {
    throw new StateError(`${path.join(root, GENERATION_FILE)} holds ${JSON.stringify(text.trim())}, not a generation number`, {
      suggestion: `write the generation's number into it (one integer), e.g. echo 1 > ${path.join(root, GENERATION_FILE)}`,
    })
  }
  return n
}

/** Number a root (a stage, before it is promoted): /etc/sidus-generation, written atomically inside it. */
export async function writeGeneration(root: string, n: number): Promise<void> {
  const target = await resolveInRoot(root, GENERATION_FILE)
  if (!(await isDirectory(path.dirname(target)))) throw new StateError(`${root} has no /etc directory: it cannot be numbered`, { suggestion: `check the root ${root}` })
  await writeFileAtomic(target, `${n}\n`, 0o644)
}

/** When a root was numbered (promoted: its /etc/sidus-generation written); a root never promoted: its directory's date. */
export async function numberedAt(root: string): Promise<string> {
  const file = await resolveInRoot(root, GENERATION_FILE)
  const st = await lstat(file).catch(() => lstat(root))
  return st.mtime.toISOString()
}
