import { chmod, readdir, readFile, stat, unlink } from 'node:fs/promises'
import path from 'node:path'
import { assetPath } from '../assets.js'
import { locateRoot, resolveInRoot } from '../chroot/root.js'
import type { Ctx } from '../context.js'
import { writeIfChanged } from '../state/atomic.js'
import { RootPackageError } from './errors.js'
import { CONF_ASSET, CONF_ASSET_NETWORK, CONF_FILE, MODULES } from './paths.js'
import { rootDracut, type RootDracut } from './version.js'
import { isDirectory } from '../fs.js'
import { installDisklessMasks } from '../bootstrap/diskless-masks.js'
import { installDisklessGenerators } from '../bootstrap/diskless-generators.js'

export interface InstallResult {
  /** every file sidus owns in the root, as the root sees them */
  files: string[]
  /** those written by this call (added or updated) */
  changed: string[]
  /** files of an older 90sidus or 99sidus-trim that this version no longer ships, and generator masks taken away (their tab lists an entry) */
  removed: string[]
  /** the root's dracut, which chose the conf */
  dracut: RootDracut
}

/**
 * Put our dracut module and conf snippet into a root. Idempotent: an unchanged file is
 * not rewritten, a changed one is replaced atomically, and files an older sidus left in
 * 90sidus or 99sidus-trim are removed, so an upgrade never leaves two versions side by side.
 */
export async function installModule(ctx: Ctx, name: string, opts: { rootDir?: string } = {}): Promise<InstallResult> {
  const root = await locateRoot(ctx.config, name, opts.rootDir)
  if (!(await isDirectory(await resolveInRoot(root, 'usr/lib/dracut/modules.d')))) {
    throw new RootPackageError(`dracut is not installed in ${root} (no /usr/lib/dracut/modules.d)`, {
      suggestion: `sidus exec ${name} -- apt-get install -y dracut dracut-network`,
    })
  }
  const dracut = await rootDracut(root)
  const result: InstallResult = { files: [], changed: [], removed: [], dracut }
  const put = async (rel: string, data: Buffer, mode: number) => {
    const target = await resolveInRoot(root, rel)
    const status = await writeIfChanged(target, data, mode)
    if (status === 'unchanged' && ((await stat(target)).mode & 0o7777) !== mode) await chmod(target, mode)
    result.files.push(`/${rel}`)
    if (status !== 'unchanged') result.changed.push(`/${rel}`)
  }

  for (const mod of MODULES) {
    const sources = (await readdir(assetPath(mod.assets))).sort()
    for (const file of sources) {
      await put(`${mod.dir}/${file}`, await readFile(assetPath(`${mod.assets}/${file}`)), file.endsWith('.sh') ? 0o755 : 0o644)
    }
    const moduleDir = await resolveInRoot(root, mod.dir)
    for (const file of await readdir(moduleDir)) {
      if (sources.includes(file)) continue
      // only plain files of ours: the directory is sidus's, nobody else's
      const stale = path.join(moduleDir, file)
      if ((await stat(stale)).isFile()) {
        await unlink(stale)
        result.removed.push(`/${mod.dir}/${file}`)
      }
    }
  }
  // the same 90-sidus.conf path for every dracut: an upgraded root gets the other conf in its place
  await put(CONF_FILE, await readFile(assetPath(dracut.network === 'network-legacy' ? CONF_ASSET : CONF_ASSET_NETWORK)), 0o644)

  // the diskless masks go with the module: a root gets them, or their update, with its next initrd
  const masks = await installDisklessMasks(root)
  result.files.push(...masks.files)
  result.changed.push(...masks.changed)
  const generators = await installDisklessGenerators(root)
  result.files.push(...generators.files)
  result.changed.push(...generators.changed)
  result.removed.push(...generators.removed)
  for (const kept of generators.kept) ctx.log?.(`${kept} is the admin's (not a link to /dev/null): left as it is, that generator runs`)

  if (result.changed.length + result.removed.length > 0) {
    ctx.log?.(`dracut module for ${name} (dracut ${dracut.version ?? '?'}, ${dracut.network}): ${result.changed.length} file(s) written, ${result.removed.length} removed`)
  }
  return result
}

