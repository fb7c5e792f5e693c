import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { NotFoundError } from '../errors.js'
import { readInstanceMeta } from '../state/instances.js'
import { rootDir } from '../state/layout.js'
import { readMasters } from '../state/masters.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { listRootNames } from '../state/roots.js'
import type { Runner } from '../run/runner.js'
import { entryExists, isDirectory } from '../fs.js'
import { kernelFile, rootInitrdName } from '../domain/kernel.js'
import { dpkgArch } from '../chroot/arch.js'

export interface KernelInfo { version: string; vmlinuz: string; initrd?: string; initrdBytes?: number; published: boolean }

export interface InstanceInfo {
  name: string
  root: string
  /** created by sidus (metadata present) or adopted */
  origin: 'sidus' | 'adopted'
  suite?: string
  release?: string
  arch?: string
  profile?: string
  sizeBytes?: number
  kernels: KernelInfo[]
  published: boolean
  master?: { mac: string; ip?: string }
  packages?: number
}

/** Every root directory under paths.roots, created by sidus or not. Never waits on a lock. */
export async function listInstances(config: SidusConfig, runner: Runner, options: { sizes?: boolean } = {}): Promise<InstanceInfo[]> {
  const entries = await listRootNames(config)
  const out: InstanceInfo[] = []
  for (const name of entries) out.push(await describeInstance(config, runner, name, { sizes: options.sizes ?? true }))
  return out
}

/** One instance, with package count and initrds. */
export async function instanceInfo(config: SidusConfig, runner: Runner, name: string): Promise<InstanceInfo> {
  checkInstanceName(name)
  const root = rootDir(config, name)
  if (!(await isDirectory(root))) {
    throw new NotFoundError(`no instance ${name}: ${root} does not exist`, { suggestion: 'see `sidus list`, or create it with `sidus create ' + name + '`' })
  }
  const info = await describeInstance(config, runner, name, { sizes: true })
  info.packages = await countPackages(root)
  return info
}

async function describeInstance(config: SidusConfig, runner: Runner, name: string, options: { sizes: boolean }): Promise<InstanceInfo> {
  const root = rootDir(config, name)
  const meta = await readInstanceMeta(config, name)
  const osRelease = await readOsRelease(root)
  const kernels = await findKernels(config, root, name)
  const masters = await readMasters(config)
  const m = masters[name]
  return {
    name,
    root,
    origin: meta ? 'sidus' : 'adopted',
    suite: meta?.suite ?? osRelease.VERSION_CODENAME,
    release: osRelease.PRETTY_NAME,
    arch: meta?.arch ?? (await dpkgArch(root)),
    profile: meta?.profile,
    sizeBytes: options.sizes ? await diskUsage(runner, root) : undefined,
    kernels,
    published: kernels.length > 0 && kernels.every((k) => k.published),
    master: m ? { mac: m.mac, ip: m.ip } : undefined,
  }
}


async function readOsRelease(root: string): Promise<Record<string, string>> {
  for (const rel of ['etc/os-release', 'usr/lib/os-release']) {
    try {
      const text = await readFile(path.join(root, rel), 'utf8')
      const out: Record<string, string> = {}
      for (const line of text.split('\n')) {
        const m = /^([A-Z_]+)=(.*)$/.exec(line)
        if (m) out[m[1]] = m[2].replace(/^["']|["']$/g, '')
      }
      return out
    } catch { /* try the next */ }
  }
  return {}
}

async function countPackages(root: string): Promise<number | undefined> {
  try {
    const status = await readFile(path.join(root, 'var/lib/dpkg/status'), 'utf8')
    return (status.match(/^Status: install ok installed$/gm) ?? []).length
  } catch {
    return undefined
  }
}

/** Kernels in the root's /boot, their initrds, and whether the TFTP tree has them. */
export async function findKernels(config: SidusConfig, root: string, name: string): Promise<KernelInfo[]> {
  let files: string[]
  try { files = await readdir(path.join(root, 'boot')) } catch { return [] }
  const out: KernelInfo[] = []
  for (const f of files.sort()) {
    const m = /^vmlinuz-(.+)$/.exec(f)
    if (!m) continue
    const version = m[1]
    const initrdName = rootInitrdName(version)
    let initrdBytes: number | undefined
    try { initrdBytes = (await stat(path.join(root, 'boot', initrdName))).size } catch { initrdBytes = undefined }
    const published = await entryExists(path.join(config.paths.tftp, kernelFile(version, name)))
    out.push({ version, vmlinuz: `/boot/${f}`, initrd: initrdBytes === undefined ? undefined : `/boot/${initrdName}`, initrdBytes, published })
  }
  return out
}


async function diskUsage(runner: Runner, root: string): Promise<number | undefined> {
  const r = await runner.run(['du', '-sxb', root], { reject: false })
  const n = Number.parseInt(r.stdout, 10)
  return Number.isFinite(n) ? n : undefined
}
