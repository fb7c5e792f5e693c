import { readFile, rename, rm, stat } from 'node:fs/promises'
import { runInRoot } from '../chroot/session.js'
import { locateRoot, resolveInRoot } from '../chroot/root.js'
import { initrdConfig, SIDUS_NFS_OPTIONS, splitsNics } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { ConfigError } from '../errors.js'
import { RootPackageError } from './errors.js'
import { installModule } from './install.js'
import { selectKernels } from './kernels.js'
import { narrowNicDrivers } from './nic-drivers.js'
import { mountsNfs3Only, NFS4_MODULES } from './nfs-version.js'
import { ROOT_REQUIREMENTS } from './packages.js'
import { initrdPath } from './paths.js'
import { splitInitrd, type SplitInitrd } from './split.js'

export interface BuiltInitrd {
  kernel: string
  /** the initrd as the root sees it, e.g. /boot/initrd.img-6.1.0-50-amd64 */
  path: string
  bytes: number
  seconds: number
  /** the base and pieces iPXE clients pull (initrd.split_nics), when the image was split */
  split?: SplitInitrd
}

/**
 * Regenerate the SIDUS initrd(s) inside a root: install (or upgrade) our module and conf,
 * then run the root's own dracut through an exec session, one kernel at a time.
 */
export async function buildInitrd(ctx: Ctx, name: string, opts: { kernel?: string; rootDir?: string } = {}): Promise<BuiltInitrd[]> {
  const root = await locateRoot(ctx.config, name, opts.rootDir)
  const kernels = await selectKernels(root, name, opts.kernel)
  await checkRootPackages(root, name)
  // checked for every kernel before anything in the root changes
  const omitDrivers = new Map<string, string[]>()
  // NFSv3 roots (sidus's default options) never load the NFSv4 client nor run its daemons (99sidus-trim)
  const nfs3 = mountsNfs3Only(ctx.config.nfs.options || SIDUS_NFS_OPTIONS)
  const nfsOmit = nfs3 ? NFS4_MODULES : []
  for (const kernel of kernels) omitDrivers.set(kernel, [...await nicOmissions(ctx, root, name, kernel), ...nfsOmit])
  if (!(await anyExists(root, ['usr/bin/zstd', 'bin/zstd']))) {
    ctx.log?.(`warning: ${name} has no zstd: dracut falls back to gzip and the initrd is larger (sidus exec ${name} -- apt-get install -y zstd)`)
  }
  await installModule(ctx, name, { rootDir: opts.rootDir })

  const built: BuiltInitrd[] = []
  for (const kernel of kernels) {
    const target = initrdPath(kernel)
    ctx.log?.(`building ${target} in ${name} (dracut, about a minute)…`)
    const started = Date.now()
    // dracut writes its output in place: build beside it, then rename, so whoever copies
    // the initrd (publish) sees the old one or the new one, never a part
    const partial = `${target}.sidus-new`
    const partialFile = await resolveInRoot(root, partial.slice(1))
    try {
      const omit = omitDrivers.get(kernel) ?? []
      const narrow = omit.length > 0 ? ['--omit-drivers', omit.join(' ')] : []
      const env = nfs3 ? ['env', 'SIDUS_NFS_VERSION=3'] : []
      await runInRoot(ctx, name, [...env, 'dracut', '--force', ...narrow, '--kver', kernel, partial], { rootDir: opts.rootDir, stdio: 'pipe' })
      await rename(partialFile, await resolveInRoot(root, target.slice(1)))
    } finally {
      await rm(partialFile, { force: true })
    }
    const bytes = (await stat(await resolveInRoot(root, target.slice(1)))).size
    const split = splitsNics(ctx.config, name) ? await splitInitrd(ctx, name, root, kernel, { rootDir: opts.rootDir }) : undefined
    const seconds = Math.round((Date.now() - started) / 100) / 10
    const mib = (b: number) => (b / 1048576).toFixed(1)
    ctx.log?.(`${target}: ${mib(bytes)} MiB in ${seconds} s${split ? `; for iPXE clients ${split.dir}: base ${mib(split.baseBytes)} MiB + their NIC's piece (${split.vendors} vendors, at most ${mib(split.largest?.bytes ?? split.allBytes)} MiB)` : ''}`)
    built.push({ kernel, path: target, bytes, seconds, split })
  }
  return built
}

/**
 * The NIC drivers to leave out for initrd.nic_drivers (none when it is unset). A name the
 * kernel has no network driver for is refused: the client would boot without its NIC.
 */
async function nicOmissions(ctx: Ctx, root: string, name: string, kernel: string): Promise<string[]> {
  const wanted = initrdConfig(ctx.config, name).nic_drivers
  if (!wanted) return []
  const read = async (file: string) => {
    try { return await readFile(await resolveInRoot(root, `usr/lib/modules/${kernel}/${file}`), 'utf8') } catch { return '' }
  }
  const { omit, unknown } = narrowNicDrivers(await read('modules.dep'), await read('modules.builtin'), wanted)
  if (unknown.length > 0) {
    const key = ctx.config.instances[name]?.initrd ? `instances.${name}.initrd.nic_drivers` : 'initrd.nic_drivers'
    throw new ConfigError(`${key} names ${unknown.join(', ')}: kernel ${kernel} of ${name} has no network driver of that name`, {
      suggestion: `use module names from ${name}'s /usr/lib/modules/${kernel}/kernel/drivers/net (e.g. e1000e, igb, virtio_net), or remove the key to keep every NIC driver`,
    })
  }
  return omit
}

/** Refuse before dracut runs when the root lacks what network-legacy and nfs need. */
async function checkRootPackages(root: string, name: string): Promise<void> {
  const missing: { what: string; pkg: string }[] = []
  for (const req of ROOT_REQUIREMENTS) if (!(await anyExists(root, req.paths))) missing.push(req)
  if (missing.length === 0) return
  const pkgs = [...new Set(missing.map((m) => m.pkg))]
  throw new RootPackageError(`${name} lacks what the SIDUS initrd needs: ${missing.map((m) => `${m.what} (${m.pkg})`).join(', ')}`, {
    suggestion: `sidus exec ${name} -- apt-get install -y ${pkgs.join(' ')}`,
  })
}

async function anyExists(root: string, rels: string[]): Promise<boolean> {
  for (const rel of rels) {
    try { await stat(await resolveInRoot(root, rel)); return true } catch { /* next */ }
  }
  return false
}
