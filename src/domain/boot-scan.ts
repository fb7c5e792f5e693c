import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { compareVersions, isKernelVersion, rootInitrdName } from './kernel.js'
import { openInRoot, resolveInRootDetailed, type RootFile } from './root-path.js'

/** A kernel of a root's /boot, with its initrd when it has one; files open (see closeBoot). */
export interface BootKernel {
  kver: string
  vmlinuz: RootFile
  initrd?: RootFile
  /** its split initrd's files (publish opens them: see publish/split.ts), closed with the rest */
  pieces?: RootFile[]
}

export interface ScanOptions {
  warn?: (line: string) => void
}

/**
 * The one /boot scanner (publish, dracut, info): each /boot/vmlinuz-<kver> of the root, opened
 * through openInRoot (never leaving the root; a file reached through a symlink that points out
 * of it is refused with a warning naming the link), with its initrd.img-<kver> when present,
 * newest first. Strange versions (.old, .bak, .dpkg-tmp …) are skipped with a warning.
 * The caller owns the open files: closeBoot() them.
 */
export async function scanBoot(root: string, opts: ScanOptions = {}): Promise<BootKernel[]> {
  const warn = opts.warn ?? (() => {})
  const dir = await resolveInRootDetailed(root, 'boot').catch(() => undefined)
  if (!dir) return []
  const out = dir.links.find((l) => l.outside)
  if (out) {
    warn(`${out.link} is a symlink to ${out.target}, outside the root: refused, no kernel read from it`)
    return []
  }
  let files: string[]
  try { files = await readdir(dir.path) } catch { return [] }
  const kernels: BootKernel[] = []
  try {
    for (const f of files.sort()) {
      const m = /^vmlinuz-(.+)$/.exec(f)
      if (!m) continue
      const kver = m[1]
      if (!isKernelVersion(kver)) {
        warn(`${path.join(root, 'boot', f)}: not a kernel version sidus publishes; skipped`)
        continue
      }
      const vmlinuz = await openInRoot(root, `boot/${f}`, { refuseOutside: true, warn })
      if (!vmlinuz) continue
      const initrd = await openInRoot(root, `boot/${rootInitrdName(kver)}`, { refuseOutside: true, warn })
      kernels.push({ kver, vmlinuz, initrd })
    }
  } catch (error) {
    await closeBoot(kernels)
    throw error
  }
  return kernels.sort((a, b) => compareVersions(b.kver, a.kver))
}

/** Close every file scanBoot opened. */
export async function closeBoot(kernels: BootKernel[]): Promise<void> {
  for (const k of kernels) {
    await k.vmlinuz.handle.close().catch(() => {})
    await k.initrd?.handle.close().catch(() => {})
    for (const p of k.pieces ?? []) await p.handle.close().catch(() => {})
  }
}

/** scanBoot for callers that only need names and sizes: nothing stays open. */
export async function listBoot(root: string, opts: ScanOptions = {}): Promise<{ kver: string; vmlinuz: string; initrd?: string; initrdBytes?: number }[]> {
  const kernels = await scanBoot(root, opts)
  await closeBoot(kernels)
  return kernels.map((k) => ({ kver: k.kver, vmlinuz: k.vmlinuz.rel, initrd: k.initrd?.rel, initrdBytes: k.initrd?.size }))
}
