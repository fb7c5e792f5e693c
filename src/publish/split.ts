import { readdir, type FileHandle } from 'node:fs/promises'
import { sha256OfHandle } from '../fs.js'
import type { BootKernel } from '../domain/boot-scan.js'
import { rootSplitDir, SPLIT_ALL, SPLIT_BASE, SPLIT_FILE, SPLIT_SOURCE } from '../domain/nic-split.js'
import { openInRoot, readTextInRoot, resolveInRootDetailed, type RootFile } from '../domain/root-path.js'

/**
 * Whether a kernel's initrd (open) has a split in its root, and whether that split was made from it:
 * its source.sha256 against the initrd's own. Publish uses only a current split; verify checks it.
 */
export async function splitState(root: string, kver: string, initrd: FileHandle, warn?: (line: string) => void): Promise<'none' | 'current' | 'stale'> {
  const source = await readTextInRoot(root, `${rootSplitDir(kver)}/${SPLIT_SOURCE}`, { refuseOutside: true, warn })
  if (source === undefined) return 'none'
  return source.trim() === (await sha256OfHandle(initrd)) ? 'current' : 'stale'
}

/**
 * The split of a kernel's initrd in its root (`sidus initrd build` leaves it in /boot/sidus-nics-<kver>),
 * opened the way every root file is (never through a symlink out of the root), or undefined: no split,
 * a split of another initrd than the one published now (its source.sha256 differs), or one without
 * its base or all piece. The caller owns the open files (closeBoot).
 */
export async function openSplit(root: string, k: BootKernel, warn: (line: string) => void): Promise<RootFile[] | undefined> {
  if (!k.initrd) return undefined
  const dir = rootSplitDir(k.kver)
  const state = await splitState(root, k.kver, k.initrd.handle, warn)
  if (state === 'none') return undefined
  if (state === 'stale') {
    warn(`${root}/${dir} was split from another initrd than ${k.initrd.rel}: iPXE clients pull the whole initrd until \`sidus initrd build\` splits it again`)
    return undefined
  }
  const resolved = await resolveInRootDetailed(root, dir)
  if (resolved.links.some((l) => l.outside)) return undefined
  const names = (await readdir(resolved.path).catch(() => [] as string[])).filter((f) => SPLIT_FILE.test(f)).sort()
  const opened: RootFile[] = []
  try {
    for (const name of names) {
      const file = await openInRoot(root, `${dir}/${name}`, { refuseOutside: true, warn })
      if (file) opened.push(file)
    }
  } catch (error) {
    for (const f of opened) await f.handle.close().catch(() => {})
    throw error
  }
  const have = new Set(opened.map((f) => f.rel.split('/').pop()))
  if (have.has(SPLIT_BASE) && have.has(SPLIT_ALL)) return opened
  for (const f of opened) await f.handle.close().catch(() => {})
  warn(`${root}/${dir} lacks ${SPLIT_BASE} or ${SPLIT_ALL}: iPXE clients pull the whole initrd until \`sidus initrd build\` splits it again`)
  return undefined
}
