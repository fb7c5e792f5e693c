import type { Ctx } from '../context.js'
import { UsageError } from '../errors.js'
import { requireProgram } from '../run/programs.js'

export type Bootstrapper = 'mmdebstrap' | 'debootstrap'

/** What one bootstrap run needs: all of it validated before anything is touched. */
export interface BootstrapPlan {
  bootstrapper: Bootstrapper
  suite: string
  arch: string
  mirror: string
  components: string[]
  /** packages to install on top of minbase */
  include: string[]
  /** packages to keep out */
  exclude: string[]
  /** the staging directory the root is built in */
  target: string
  /** downloaded .debs are kept here between creates */
  aptCache: string
  /** a retired suite: the keyring of retired keys, apt options (no Valid-Until check) kept in the root */
  keyring?: string
  aptOptions?: string[]
}

/** mmdebstrap when installed (it resolves with apt, so kernel + dracut install cleanly), else debootstrap. */
export async function chooseBootstrapper(ctx: Ctx, wanted?: string): Promise<Bootstrapper> {
  if (wanted !== undefined && wanted !== 'mmdebstrap' && wanted !== 'debootstrap') {
    throw new UsageError(`unknown bootstrapper ${JSON.stringify(wanted)}`, { suggestion: 'use --bootstrapper mmdebstrap or --bootstrapper debootstrap' })
  }
  if (wanted) {
    await requireProgram(ctx.runner, wanted)
    return wanted
  }
  if (await ctx.runner.which('mmdebstrap')) return 'mmdebstrap'
  await requireProgram(ctx.runner, 'debootstrap')
  return 'debootstrap'
}

/**
 * mmdebstrap argv. It runs inside a private mount namespace (unshare -m) so no
 * mount it makes — nor our bind of the package cache — can outlive it, even if it
 * is killed. Hook commands are constant strings; paths reach them through the
 * environment, never spliced into shell text.
 */
export function mmdebstrapArgv(plan: BootstrapPlan): { argv: string[]; env: Record<string, string> } {
  // apt's "pkg-" means "not pkg": mmdebstrap has no --exclude of its own
  const packages = [...plan.include, ...plan.exclude.map((p) => `${p}-`)]
  return {
    argv: [
      'unshare', '--mount', '--propagation', 'private', '--',
      'mmdebstrap',
      '--mode=root',
      '--variant=minbase',
      `--arch=${plan.arch}`,
      `--components=${plan.components.join(',')}`,
      ...(packages.length ? [`--include=${packages.join(',')}`] : []),
      '--skip=download/empty',
      ...(plan.keyring ? [`--keyring=${plan.keyring}`] : []),
      ...(plan.aptOptions ?? []).map((o) => `--aptopt=${o}`),
      '--setup-hook=mkdir -p "$1/var/cache/apt/archives" && mount --bind "$SIDUS_APT_CACHE" "$1/var/cache/apt/archives"',
      '--customize-hook=umount "$1/var/cache/apt/archives"',
      plan.suite,
      plan.target,
      plan.mirror,
    ],
    env: {
      SIDUS_APT_CACHE: plan.aptCache,
      // the kernel's postinst would build a stock initrd we replace anyway: sidus builds ours
      INITRD: 'No',
    },
  }
}

/** debootstrap builds a minbase only; the rest is installed with apt inside the root (the SIDUS order). */
export function debootstrapArgv(plan: BootstrapPlan): string[] {
  return [
    'unshare', '--mount', '--propagation', 'private', '--',
    'debootstrap',
    '--variant=minbase',
    `--arch=${plan.arch}`,
    `--components=${plan.components.join(',')}`,
    ...(plan.exclude.length ? [`--exclude=${plan.exclude.join(',')}`] : []),
    `--cache-dir=${plan.aptCache}`,
    ...(plan.keyring ? [`--keyring=${plan.keyring}`] : []),
    plan.suite,
    plan.target,
    plan.mirror,
  ]
}
