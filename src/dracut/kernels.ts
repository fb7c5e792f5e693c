import { readdir } from 'node:fs/promises'
import { resolveInRoot } from '../chroot/root.js'
import { NotFoundError, UsageError } from '../errors.js'
import { isDirectory } from '../fs.js'
import { KERNEL_VERSION, parseRootKernelName } from '../domain/kernel.js'

/** Kernels dracut can build for: a /boot/vmlinuz-<kver> with its /lib/modules/<kver>. */
export async function rootKernels(root: string): Promise<string[]> {
  let files: string[]
  try { files = await readdir(await resolveInRoot(root, 'boot')) } catch { return [] }
  const out: string[] = []
  for (const f of files.sort()) {
    const kernel = parseRootKernelName(f)
    if (!kernel) continue
    if (await isDirectory(await resolveInRoot(root, `usr/lib/modules/${kernel}`))) out.push(kernel)
  }
  return out
}

/** The kernels to work on: the one asked for (which must be in the root), else all of them. */
export async function selectKernels(root: string, name: string, kernel?: string): Promise<string[]> {
  if (kernel !== undefined && !KERNEL_VERSION.test(kernel)) {
    throw new UsageError(`invalid kernel version ${JSON.stringify(kernel)}`, { suggestion: 'give a version as in /boot/vmlinuz-<version>, e.g. 6.1.0-50-amd64' })
  }
  const kernels = await rootKernels(root)
  if (kernels.length === 0) {
    throw new NotFoundError(`no kernel in ${name} (no /boot/vmlinuz-* with its /lib/modules directory)`, {
      suggestion: `sidus exec ${name} -- apt-get install -y linux-image-amd64`,
    })
  }
  if (kernel === undefined) return kernels
  if (!kernels.includes(kernel)) {
    throw new NotFoundError(`kernel ${kernel} is not in ${name}`, { suggestion: `kernels in ${name}: ${kernels.join(', ')}` })
  }
  return [kernel]
}

