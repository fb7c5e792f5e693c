import { listBoot } from '../domain/boot-scan.js'
import { resolveInRoot } from '../domain/root-path.js'
import { NotFoundError, UsageError } from '../errors.js'
import { isDirectory } from '../fs.js'
import { KERNEL_VERSION } from '../domain/kernel.js'

/** Kernels dracut can build for: a /boot/vmlinuz-<kver> (the one /boot scanner) with its /lib/modules/<kver>. */
export async function rootKernels(root: string): Promise<string[]> {
  const out: string[] = []
  for (const k of (await listBoot(root)).sort((a, b) => a.kver.localeCompare(b.kver))) {
    if (await isDirectory(await resolveInRoot(root, `usr/lib/modules/${k.kver}`))) out.push(k.kver)
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

