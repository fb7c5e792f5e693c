import { readdir } from 'node:fs/promises'
import { compareVersions, initrdFile, kernelFile, parseBootFile } from '../domain/kernel.js'
import type { PublishedKernel } from './menus.js'

/** What the tree's root holds for each instance: kernel and initrd files by version. */
export async function scanTree(tftp: string): Promise<Map<string, Map<string, { kernel: boolean; initrd: boolean }>>> {
  const out = new Map<string, Map<string, { kernel: boolean; initrd: boolean }>>()
  let files: string[]
  try { files = await readdir(tftp) } catch { return out }
  for (const f of files) {
    const parsed = parseBootFile(f)
    if (!parsed) continue
    const byVersion = out.get(parsed.instance) ?? new Map<string, { kernel: boolean; initrd: boolean }>()
    const entry = byVersion.get(parsed.kver) ?? { kernel: false, initrd: false }
    entry[parsed.kind] = true
    byVersion.set(parsed.kver, entry)
    out.set(parsed.instance, byVersion)
  }
  return out
}

/** The complete kernel+initrd pairs of one instance in the tree, newest first. */
export function publishedKernels(instance: string, tree: Map<string, Map<string, { kernel: boolean; initrd: boolean }>>): PublishedKernel[] {
  const byVersion = tree.get(instance)
  if (!byVersion) return []
  return [...byVersion.entries()]
    .filter(([, e]) => e.kernel && e.initrd)
    .map(([kver]) => ({ kver, kernel: kernelFile(kver, instance), initrd: initrdFile(kver, instance) }))
    .sort((a, b) => compareVersions(b.kver, a.kver))
}
