import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { compareVersions, initrdFile, isKernelVersion, kernelFile, parseBootFile, rootInitrdName } from '../domain/kernel.js'
import type { PublishedKernel } from './menus.js'

/** A kernel with its initrd in a root's /boot. */
export interface BootKernel { kver: string; vmlinuz: string; initrd: string }

/**
 * The kernels of a root: each /boot/vmlinuz-<kver> with its initrd.img-<kver>, newest
 * first. A kernel without an initrd (dracut not run yet) or with a strange version is
 * skipped with a warning: publishing it would give clients a menu entry that cannot boot.
 */
export async function scanBoot(root: string, warn: (line: string) => void = () => {}): Promise<BootKernel[]> {
  const boot = path.join(root, 'boot')
  let files: string[]
  try { files = await readdir(boot) } catch { return [] }
  const out: BootKernel[] = []
  for (const f of files) {
    const m = /^vmlinuz-(.+)$/.exec(f)
    if (!m) continue
    const kver = m[1]
    if (!isKernelVersion(kver)) {
      warn(`${boot}/${f}: not a kernel version sidus publishes; skipped`)
      continue
    }
    const vmlinuz = path.join(boot, f)
    const initrd = path.join(boot, rootInitrdName(kver))
    if (!(await isFile(vmlinuz))) continue
    if (!(await isFile(initrd))) {
      warn(`${vmlinuz} has no ${path.basename(initrd)}: not published (build it with \`sidus initrd build\`)`)
      continue
    }
    out.push({ kver, vmlinuz, initrd })
  }
  return out.sort((a, b) => compareVersions(b.kver, a.kver))
}

async function isFile(p: string): Promise<boolean> {
  try { return (await stat(p)).isFile() } catch { return false }
}

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
