import { stat } from 'node:fs/promises'
import { runInRoot } from '../chroot/session.js'
import { locateRoot, resolveInRoot } from '../chroot/root.js'
import { openInRoot, readTextInRoot } from '../domain/root-path.js'
import { rootSplitDir, SPLIT_ALL, SPLIT_BASE } from '../domain/nic-split.js'
import { splitState } from '../publish/split.js'
import { initrdConfig, SIDUS_NFS_OPTIONS } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { missingParts, parseLsinitrd, splitGaps, type InitrdListing } from './contents.js'
import { selectKernels } from './kernels.js'
import { mountsNfs3Only } from './nfs-version.js'
import { initrdPath } from './paths.js'

export interface InitrdCheck {
  kernel: string
  ok: boolean
  /** what the initrd lacks, by name (overlay.ko, nfs.ko, mount.nfs, the sidus hook, …) */
  missing: string[]
  path: string
  bytes?: number
  /** the dracut modules it was built with */
  modules: string[]
  /**
   * its split for iPXE clients (/boot/sidus-nics-<kver>), when there is one: `current` when it was split
   * from this very image (publish uses only such a split), `missing` what base + all.img lack of the image
   */
  split?: { dir: string; current: boolean; missing: string[] }
}

/**
 * List each initrd of a root with the root's own lsinitrd and check that it holds what a
 * SIDUS client needs: overlay.ko, the NFS client (nfs.ko, nfsv3.ko, sunrpc.ko, mount.nfs,
 * nfsroot), a NIC driver and those initrd.nic_drivers names, dhclient, ifup and ip, switch_root,
 * our hook and our lease setting.
 */
export async function verifyInitrd(ctx: Ctx, name: string, opts: { kernel?: string; rootDir?: string } = {}): Promise<InitrdCheck[]> {
  const root = await locateRoot(ctx.config, name, opts.rootDir)
  const checks: InitrdCheck[] = []
  for (const kernel of await selectKernels(root, name, opts.kernel)) {
    const image = initrdPath(kernel)
    let bytes: number
    try {
      bytes = (await stat(await resolveInRoot(root, image.slice(1)))).size
    } catch {
      checks.push({ kernel, ok: false, missing: [`the initrd ${image}`], path: image, modules: [] })
      continue
    }
    const inRoot = (argv: string[]) => runInRoot(ctx, name, argv, { rootDir: opts.rootDir, stdio: 'pipe' })
    const listing = parseLsinitrd((await inRoot(['lsinitrd', image])).stdout)
    // -f prints nothing (and still exits 0) when the file is not in the image
    const dhclientConf = (await inRoot(['lsinitrd', '-f', 'etc/dhclient.conf', image])).stdout
    const nfs4 = !mountsNfs3Only(ctx.config.nfs.options || SIDUS_NFS_OPTIONS)
    const missing = missingParts(listing, dhclientConf, await builtinModules(root, kernel), initrdConfig(ctx.config, name).nic_drivers, nfs4)
    const split = await checkSplit(root, kernel, listing, inRoot)
    const ok = missing.length === 0 && (split === undefined || split.missing.length === 0)
    checks.push({ kernel, ok, missing, path: image, bytes, modules: listing.modules, ...(split ? { split } : {}) })
  }
  return checks
}

/** The split's check: base.img and all.img listed by lsinitrd, against the whole image's listing. */
async function checkSplit(root: string, kernel: string, whole: InitrdListing, inRoot: (argv: string[]) => Promise<{ stdout: string }>): Promise<InitrdCheck['split']> {
  const dir = rootSplitDir(kernel)
  const image = await openInRoot(root, initrdPath(kernel).slice(1), { refuseOutside: true })
  if (!image) return undefined
  let state: Awaited<ReturnType<typeof splitState>>
  try { state = await splitState(root, kernel, image.handle) } finally { await image.handle.close() }
  if (state === 'none') return undefined
  if (state === 'stale') return { dir: `/${dir}`, current: false, missing: [] }
  const list = async (file: string) => parseLsinitrd((await inRoot(['lsinitrd', `/${dir}/${file}`])).stdout)
  const missing = splitGaps(whole, await list(SPLIT_BASE), await list(SPLIT_ALL))
  return { dir: `/${dir}`, current: true, missing: missing.map((p) => `${p} (in neither ${SPLIT_BASE} nor ${SPLIT_ALL})`) }
}

/** modules.builtin of the kernel: what needs no .ko in the initrd. */
async function builtinModules(root: string, kernel: string): Promise<string[]> {
  // read as every file of a root is: inside it, a regular file only
  return ((await readTextInRoot(root, `usr/lib/modules/${kernel}/modules.builtin`)) ?? '').split('\n').filter(Boolean)
}
