import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { compareVersions, initrdFile, kernelFile, parseBootFile } from '../domain/kernel.js'
import { SPLIT_ALL, SPLIT_BASE, SPLIT_FILE, TREE_SPLIT_ROOT, treeSplitDir } from '../domain/nic-split.js'
import type { PublishedKernel } from './menus.js'

export interface TreeKernel {
  kernel: boolean
  initrd: boolean
  /** the files of its split initrd (nics/<kver>@<instance>/), when it has any */
  pieces: string[]
}
export type TreeScan = Map<string, Map<string, TreeKernel>>

/** What the tree holds for each instance: kernel and initrd files by version, and their split initrds. */
export async function scanTree(tftp: string): Promise<TreeScan> {
  const out: TreeScan = new Map()
  const entry = (instance: string, kver: string): TreeKernel => {
    const byVersion = out.get(instance) ?? new Map<string, TreeKernel>()
    out.set(instance, byVersion)
    const e = byVersion.get(kver) ?? { kernel: false, initrd: false, pieces: [] }
    byVersion.set(kver, e)
    return e
  }
  let files: string[]
  try { files = await readdir(tftp) } catch { return out }
  for (const f of files) {
    const parsed = parseBootFile(f)
    if (parsed) entry(parsed.instance, parsed.kver)[parsed.kind] = true
  }
  for (const dir of await readdir(path.join(tftp, TREE_SPLIT_ROOT)).catch(() => [] as string[])) {
    const parsed = parseBootFile(`vmlinuz-${dir}`)
    if (!parsed) continue
    const pieces = (await readdir(path.join(tftp, TREE_SPLIT_ROOT, dir)).catch(() => [] as string[])).filter((f) => SPLIT_FILE.test(f)).sort()
    if (pieces.length > 0) entry(parsed.instance, parsed.kver).pieces = pieces
  }
  return out
}

/** The complete kernel+initrd pairs of one instance in the tree, newest first, with their split when it is whole (base and all). */
export function publishedKernels(instance: string, tree: TreeScan): PublishedKernel[] {
  const byVersion = tree.get(instance)
  if (!byVersion) return []
  return [...byVersion.entries()]
    .filter(([, e]) => e.kernel && e.initrd)
    .map(([kver, e]) => ({
      kver, kernel: kernelFile(kver, instance), initrd: initrdFile(kver, instance),
      ...(e.pieces.includes(SPLIT_BASE) && e.pieces.includes(SPLIT_ALL) ? { pieces: treeSplitDir(kver, instance) } : {}),
    }))
    .sort((a, b) => compareVersions(b.kver, a.kver))
}
