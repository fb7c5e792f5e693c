import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { NotFoundError, StateError } from '../errors.js'
import { readInstanceMeta } from '../state/instances.js'
import { rootDir } from '../state/layout.js'
import { readMastersOrWarn } from '../inventory/masters.js'
import type { MasterRegistry } from '../state/masters.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { listRootNames } from '../state/roots.js'
import type { Runner } from '../run/runner.js'
import { entryExists, isDirectory } from '../fs.js'
import { listBoot } from '../domain/boot-scan.js'
import { readTextInRoot } from '../domain/root-path.js'
import { initrdFile, kernelFile } from '../domain/kernel.js'
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
export async function listInstances(config: SidusConfig, runner: Runner, options: { sizes?: boolean; warn?: (line: string) => void } = {}): Promise<InstanceInfo[]> {
  const entries = await listRootNames(config)
  // a corrupt state file is told (naming itself and the fix), and the listing goes on
  const masters = await readMastersOrWarn(config, options.warn)
  const out: InstanceInfo[] = []
  for (const name of entries) out.push(await describeInstance(config, runner, name, { sizes: options.sizes ?? true, masters, warn: options.warn }))
  return out
}

/** One instance, with package count and initrds. */
export async function instanceInfo(config: SidusConfig, runner: Runner, name: string, options: { warn?: (line: string) => void } = {}): Promise<InstanceInfo> {
  checkInstanceName(name)
  const root = rootDir(config, name)
  if (!(await isDirectory(root))) {
    throw new NotFoundError(`no instance ${name}: ${root} does not exist`, { suggestion: 'see `sidus list`, or create it with `sidus create ' + name + '`' })
  }
  const info = await describeInstance(config, runner, name, { sizes: true, masters: await readMastersOrWarn(config, options.warn), warn: options.warn })
  info.packages = await countPackages(root)
  return info
}

async function describeInstance(config: SidusConfig, runner: Runner, name: string, options: { sizes: boolean; masters: MasterRegistry; warn?: (line: string) => void }): Promise<InstanceInfo> {
  const root = rootDir(config, name)
  const meta = await readInstanceMeta(config, name).catch((error: unknown) => {
    if (!(error instanceof StateError)) throw error
    options.warn?.(`${error.message}; ${name} is shown as adopted (fix: ${error.suggestion})`)
    return undefined
  })
  const osRelease = await readOsRelease(root)
  const kernels = await findKernels(config, root, name)
  const m = options.masters[name]
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
    // every bootable kernel (one with its initrd) is in the tree as a complete pair
    published: kernels.some((k) => k.published) && kernels.filter((k) => k.initrd).every((k) => k.published),
    master: m ? { mac: m.mac, ip: m.ip } : undefined,
  }
}


async function readOsRelease(root: string): Promise<Record<string, string>> {
  for (const rel of ['etc/os-release', 'usr/lib/os-release']) {
    const text = await readTextInRoot(root, rel)
    if (text !== undefined) {
      const out: Record<string, string> = {}
      for (const line of text.split('\n')) {
        const m = /^([A-Z_]+)=(.*)$/.exec(line)
        if (m) out[m[1]] = m[2].replace(/^["']|["']$/g, '')
      }
      return out
    }
  }
  return {}
}

async function countPackages(root: string): Promise<number | undefined> {
  const status = await readTextInRoot(root, 'var/lib/dpkg/status')
  return status === undefined ? undefined : (status.match(/^Status: install ok installed$/gm) ?? []).length
}

/** Kernels in the root's /boot (the one scanner, root-safe), their initrds, and whether the TFTP tree has the pair. */
export async function findKernels(config: SidusConfig, root: string, name: string): Promise<KernelInfo[]> {
  const out: KernelInfo[] = []
  for (const k of (await listBoot(root)).sort((a, b) => a.kver.localeCompare(b.kver))) {
    // published = the complete pair, as a client needs it
    const published = (await entryExists(path.join(config.paths.tftp, kernelFile(k.kver, name))))
      && (await entryExists(path.join(config.paths.tftp, initrdFile(k.kver, name))))
    out.push({ version: k.kver, vmlinuz: k.vmlinuz, initrd: k.initrd, initrdBytes: k.initrdBytes, published })
  }
  return out
}


async function diskUsage(runner: Runner, root: string): Promise<number | undefined> {
  const r = await runner.run(['du', '-sxb', root], { reject: false })
  const n = Number.parseInt(r.stdout, 10)
  return Number.isFinite(n) ? n : undefined
}
