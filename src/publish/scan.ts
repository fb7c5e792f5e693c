import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { initrdFile, kernelFile, KERNEL_VERSION, parseBootFile } from './tree.js'
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
    if (!KERNEL_VERSION.test(kver) || kver.endsWith('.old') || kver.endsWith('.bak') || kver.endsWith('.dpkg-tmp')) {
      warn(`${boot}/${f}: not a kernel version sidus publishes; skipped`)
      continue
    }
    const vmlinuz = path.join(boot, f)
    const initrd = path.join(boot, `initrd.img-${kver}`)
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

/** Natural order for kernel versions: 6.1.0-10 after 6.1.0-9. */
export function compareVersions(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? []
  const pb = b.match(/\d+|\D+/g) ?? []
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i]
    const y = pb[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    if (x === y) continue
    const nx = /^\d/.test(x)
    const ny = /^\d/.test(y)
    if (nx && ny) return Number(x) - Number(y) || x.localeCompare(y)
    return x < y ? -1 : 1
  }
  return 0
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
