import { runInRoot } from '../chroot/session.js'
import { buildInitrd, installModule, verifyInitrd } from '../dracut/index.js'
import { DRACUT_ROOT_PACKAGES } from '../dracut/packages.js'
import { ExternalError } from '../errors.js'
import type { RootSteps } from './root-steps.js'

/** The real exec session and dracut module, as create uses them. */
export const defaultRootSteps: RootSteps = {
  rootPackages: DRACUT_ROOT_PACKAGES,
  runInRoot: (ctx, name, argv, opts) => runInRoot(ctx, name, argv, { ...opts, stdio: 'pipe' }),
  installModule: (ctx, name, rootDir) => installModule(ctx, name, { rootDir }),
  buildInitrd: (ctx, name, rootDir) => buildInitrd(ctx, name, { rootDir }),
  verifyInitrd: async (ctx, name, rootDir) => {
    const results = await verifyInitrd(ctx, name, { rootDir })
    const bad = results.filter((r) => !r.ok)
    if (results.length === 0) throw new ExternalError(`no initrd found in ${rootDir}/boot after the build`)
    if (bad.length > 0) {
      throw new ExternalError(`initrd verification failed: ${bad.map((b) => `${b.kernel} lacks ${b.missing.join(', ')}`).join('; ')}`)
    }
    return results
  },
}
