import { readdir, readFile, rename, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { mirrorFromAptSources } from '../config/mirror.js'
import type { Ctx } from '../context.js'
import { CancelledError, ConflictError, SidusError, UsageError } from '../errors.js'
import { mountsUnder } from '../domain/mounts.js'
import { writeInstanceMeta, type InstanceMeta } from '../state/instances.js'
import { aptCacheDir, rootDir } from '../state/layout.js'
import { deriveTarget } from '../state/names.js'
import { runStepsQuietly, type Step, type StepRunner } from '../steps.js'
import { INSTANCE_NAME_BODY } from '../domain/instance-name.js'
import { chooseBootstrapper, debootstrapArgv, mmdebstrapArgv, type BootstrapPlan } from './bootstrappers.js'
import { planRetired, type ArchivePlan } from './archive.js'
import { loadCalendar, suiteInfo, type SuiteStatus } from './calendar.js'
import * as post from './postinstall.js'
import { kernelPackage, resolveProfile } from './profiles.js'
import { closeCacheRun, openCacheRun, type CacheRun } from './apt-cache.js'
import { rootStep, type RootSteps } from './root-steps.js'
import { installFleetKeyInRoot } from '../fleet/install.js'
import { pathExists } from '../fs.js'

export interface CreateOptions {
  suite?: string
  arch?: string
  mirror?: string
  components?: string[]
  include?: string[]
  exclude?: string[]
  profile?: string
  bootstrapper?: string
  sshKeyFile?: string
  rootPasswordFile?: string
}

export interface CreateResult {
  name: string
  root: string
  suite: string
  arch: string
  profile: string
  bootstrapper: string
  mirror: string
  /** what Debian's calendar says of the suite today */
  status: SuiteStatus
  packages: string[]
  /** bytes of .debs fetched from the mirror (the rest came from the package cache) */
  downloadedBytes: number
  cachedBytes: number
  initrds: { kernel: string; path: string; bytes: number }[]
  seconds: number
}

/** Everything create decided before touching the disk. */
interface CreatePlan {
  name: string
  final: string
  bootstrap: Omit<BootstrapPlan, 'target' | 'aptCache'>
  status: SuiteStatus
  profile: string
  sshKey?: string
  password?: string
}

/** Where the root is built, and the package cache run that feeds it. */
interface Staging { stage: string; aptCache: string; cacheRun: CacheRun }

/**
 * Build a diskless root beside its final place and rename it in at the end.
 * Everything is validated before anything is touched; on any failure (or Ctrl-C)
 * the staging directory is removed and no <roots>/<name> exists. The steps are
 * reported through `runSteps` (the CLI draws them).
 */
export async function createInstance(ctx: Ctx, name: string, options: CreateOptions, steps: RootSteps, runSteps: StepRunner = runStepsQuietly): Promise<CreateResult> {
  const started = Date.now()
  const plan = await planCreate(ctx, name, options, steps)
  const staging = await openStaging(ctx, plan)
  const result: CreateResult = {
    name, root: plan.final, suite: plan.bootstrap.suite, arch: plan.bootstrap.arch, profile: plan.profile,
    bootstrapper: plan.bootstrap.bootstrapper, mirror: plan.bootstrap.mirror, status: plan.status, packages: plan.bootstrap.include,
    downloadedBytes: 0, cachedBytes: staging.cacheRun.cachedBytes, initrds: [], seconds: 0,
  }
  try {
    await mkdir(staging.stage, { mode: 0o755 })
    await runSteps(createSteps(ctx, plan, staging, steps, result))
  } catch (error) {
    await abandonStaging(ctx, staging)
    if (ctx.signal?.aborted) throw new CancelledError(ctx.signal.reason as NodeJS.Signals)
    if (error instanceof SidusError) throw error
    throw new SidusError(`sidus create ${name} failed: ${(error as Error).message}`, { cause: error })
  }
  const { suite, arch, bootstrapper, mirror } = plan.bootstrap
  const meta: InstanceMeta = { name, suite, arch, profile: plan.profile, bootstrapper, mirror, created: new Date().toISOString() }
  await writeInstanceMeta(ctx.config, meta)
  result.downloadedBytes = await closeCacheRun(staging.aptCache, staging.cacheRun)
  result.seconds = Math.round((Date.now() - started) / 100) / 10
  return result
}

/** Validate everything and decide the packages: nothing on disk changes here. */
async function planCreate(ctx: Ctx, name: string, options: CreateOptions, steps: RootSteps): Promise<CreatePlan> {
  const { config } = ctx
  const { suite, arch } = deriveTarget(name, { suite: options.suite, arch: options.arch })
  const final = rootDir(config, name)
  if (await pathExists(final)) {
    throw new ConflictError(`instance ${name} already exists at ${final}`, { suggestion: `pick another name, or remove it first with \`sidus delete ${name}\`` })
  }
  // Debian's calendar: an unknown codename stops here, before anything is touched
  const calendar = loadCalendar()
  const release = suiteInfo(calendar, suite)
  const profile = resolveProfile(options.profile ?? 'minimal')
  const retired = release.status === 'retired'
  // a retired suite's mirror is settled below (archive_mirror, or Debian's archive as debootstrap names it)
  let mirror = retired ? (options.mirror ?? config.archive_mirror ?? '') : (options.mirror ?? config.mirror ?? mirrorFromAptSources())
  if (mirror && !/^(https?|file):\/\/[^\s'"]+$/.test(mirror)) {
    throw new UsageError(`invalid mirror URL ${JSON.stringify(mirror)}`, { suggestion: 'give an http://, https:// or file:// URL of a Debian archive' })
  }
  const components = options.components?.length ? options.components : ['main']
  for (const c of components) {
    if (!/^(main|contrib|non-free|non-free-firmware)$/.test(c)) {
      throw new UsageError(`unknown component ${JSON.stringify(c)}`, { suggestion: 'components are main, contrib, non-free, non-free-firmware' })
    }
  }
  const exclude = options.exclude ?? []
  for (const p of [...(options.include ?? []), ...exclude]) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(p)) throw new UsageError(`invalid package name ${JSON.stringify(p)}`)
  }
  const sshKey = options.sshKeyFile ? await readSshKey(options.sshKeyFile) : undefined
  const password = options.rootPasswordFile ? await readPassword(options.rootPasswordFile) : undefined
  const bootstrapper = await chooseBootstrapper(ctx, options.bootstrapper)
  await ctx.runner.run(['unshare', '--version'])
  // a retired suite comes from the archive of retired releases: reachable, or one line saying so
  let archive: ArchivePlan | undefined
  if (retired) {
    archive = await planRetired(ctx, release, calendar, options.mirror)
    mirror = archive.mirror
    ctx.log?.(`${suite} (Debian ${release.version}) is retired since ${release.since}: from ${mirror}, keys from ${archive.keyring}`)
  } else if (release.status === 'lts') {
    ctx.log?.(`${suite} (Debian ${release.version}) is past its end of life (${release.since}), in Debian LTS`)
  }
  const include = unique([kernelPackage(arch), ...steps.rootPackages, ...profile.packages, ...(options.include ?? [])])
    .filter((p) => !exclude.includes(p))
  return {
    name, final, status: release.status, profile: profile.name, sshKey, password,
    bootstrap: { bootstrapper, suite, arch, mirror, components, include, exclude, keyring: archive?.keyring, aptOptions: archive?.aptOptions },
  }
}

/** The staging directory's name beside the roots, and a package cache run for it (stale leftovers cleaned first). */
async function openStaging(ctx: Ctx, plan: CreatePlan): Promise<Staging> {
  const { config } = ctx
  await mkdir(config.paths.roots, { recursive: true })
  await cleanStaleStaging(ctx, config.paths.roots)
  const aptCache = aptCacheDir(config, plan.bootstrap.suite, plan.bootstrap.arch)
  await mkdir(aptCache, { recursive: true })
  const cacheRun = await openCacheRun(aptCache, String(process.pid))
  return { stage: path.join(config.paths.roots, stagingName(plan.name, process.pid)), aptCache, cacheRun }
}

async function abandonStaging(ctx: Ctx, staging: Staging): Promise<void> {
  await closeCacheRun(staging.aptCache, staging.cacheRun)
  await removeStaging(ctx, staging.stage)
}

/** The steps that turn the empty staging directory into a booting root at its final place. */
function createSteps(ctx: Ctx, plan: CreatePlan, staging: Staging, steps: RootSteps, result: CreateResult): Step[] {
  const { name, final } = plan
  const { stage } = staging
  const inRoot = rootStep(steps, ctx, name, stage)
  const { suite, arch, bootstrapper } = plan.bootstrap
  return [
    {
      title: `Bootstrap Debian ${suite}/${arch} with ${bootstrapper} (${plan.bootstrap.include.length} packages on minbase)`,
      run: (report) => bootstrapRoot(ctx, { ...plan.bootstrap, target: stage, aptCache: staging.cacheRun.dir }, inRoot, report),
    },
    {
      title: 'SIDUS post-install: policy-rc.d, locale and timezone, hostname, network, fstab, resolv.conf',
      run: () => postInstall(ctx, stage, inRoot),
    },
    {
      title: plan.password ? 'Set root password from file' : 'Lock root password',
      run: async () => {
        if (plan.password) await inRoot(['chpasswd'], { input: `root:${plan.password}\n` })
        else await inRoot(['passwd', '-l', 'root'])
        if (plan.sshKey) await post.installSshKey({ root: stage, config: ctx.config }, plan.sshKey)
      },
    },
    { title: 'Install the SIDUS dracut module', run: async () => { await steps.installModule(ctx, name, stage) } },
    {
      title: 'Build the initrd',
      run: async () => {
        const built = await steps.buildInitrd(ctx, name, stage)
        result.initrds = built.map((b) => ({ kernel: b.kernel, path: b.path, bytes: b.bytes }))
      },
    },
    { title: 'Verify the initrd', run: async () => { await steps.verifyInitrd(ctx, name, stage) } },
    // node status, run and reboot log in with it (kept beside an admin's --ssh-key)
    { title: 'Authorize the fleet SSH key for root', run: async () => { await installFleetKeyInRoot(ctx, stage) } },
    { title: `Move the root into ${final}`, run: () => moveIntoPlace(name, stage, final) },
  ]
}

type InRoot = ReturnType<typeof rootStep>

async function bootstrapRoot(ctx: Ctx, plan: BootstrapPlan, inRoot: InRoot, report: (line: string) => void): Promise<void> {
  if (plan.bootstrapper === 'mmdebstrap') {
    const { argv, env } = mmdebstrapArgv(plan)
    await ctx.runner.run(argv, { env, signal: ctx.signal, onLine: report })
    return
  }
  await ctx.runner.run(debootstrapArgv(plan), { signal: ctx.signal, onLine: report })
  await inRoot(['apt-get', 'update'])
  await inRoot(['apt-get', 'install', '-y', '--no-install-recommends', ...plan.include], { env: { INITRD: 'No' } })
  await inRoot(['apt-get', 'clean'])
}

async function postInstall(ctx: Ctx, stage: string, inRoot: InRoot): Promise<void> {
  const postOpts: post.PostInstallOptions = { root: stage, config: ctx.config }
  await post.installPolicyRcD(postOpts)
  await post.copyLocalisation(postOpts)
  await post.removeHostname(postOpts)
  await post.writeInterfaces(postOpts)
  await post.writeFstab(postOpts)
  await post.copyResolvConf(postOpts)
  if (await pathExists(path.join(stage, 'usr/sbin/locale-gen')) && (await pathExists(path.join(stage, 'etc/locale.gen')))) {
    await inRoot(['locale-gen'])
  }
}

async function moveIntoPlace(name: string, stage: string, final: string): Promise<void> {
  if (await pathExists(final)) throw new ConflictError(`instance ${name} appeared at ${final} while it was being created`)
  // rename(2) refuses a non-empty target: a concurrent create cannot be overwritten
  await rename(stage, final)
}

/** `.<name>.sidus-create-<pid>` beside the roots: hidden, and not an instance name */
const stagingName = (name: string, pid: number) => `.${name}.sidus-create-${pid}`
const STAGING = new RegExp(`^\\.${INSTANCE_NAME_BODY}\\.sidus-create-(\\d+)$`)

const unique = <T>(xs: T[]) => [...new Set(xs)]


async function readSshKey(file: string): Promise<string> {
  let text: string
  try { text = await readFile(file, 'utf8') } catch (e) {
    throw new UsageError(`cannot read the SSH key file ${file}: ${(e as NodeJS.ErrnoException).code}`, { suggestion: 'pass the path of a public key, e.g. --ssh-key ~/.ssh/id_ed25519.pub' })
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  if (lines.length === 0 || !lines.every((l) => /^(ssh-|ecdsa-|sk-)\S+ [A-Za-z0-9+/=]+/.test(l))) {
    throw new UsageError(`${file} does not look like an SSH public key`, { suggestion: 'pass the .pub file (never the private key)' })
  }
  return `${lines.join('\n')}\n`
}

async function readPassword(file: string): Promise<string> {
  let text: string
  try { text = await readFile(file, 'utf8') } catch (e) {
    throw new UsageError(`cannot read the root password file ${file}: ${(e as NodeJS.ErrnoException).code}`)
  }
  const pw = text.split('\n')[0]
  if (!pw || /[:\r]/.test(pw)) throw new UsageError(`${file}: the first line must hold the password (no ':')`)
  return pw
}

/**
 * Remove a staging directory, never through a mount: if anything is still mounted
 * beneath it (it should not be: bootstrap runs in its own mount namespace), refuse
 * and name the mounts. rm stays on one file system.
 */
export async function removeStaging(ctx: Ctx, stage: string): Promise<void> {
  if (!(await pathExists(stage))) return
  const mounts = await mountsUnder(stage)
  if (mounts.length > 0) {
    ctx.log?.(`sidus: not removing ${stage}: still mounted: ${mounts.join(', ')}`)
    return
  }
  await ctx.runner.run(['rm', '-rf', '--one-file-system', '--', stage])
}

/** Staging dirs left by a create that was killed (its pid is gone). */
async function cleanStaleStaging(ctx: Ctx, roots: string): Promise<void> {
  for (const entry of await readdir(roots)) {
    const m = STAGING.exec(entry)
    if (!m) continue
    const pid = Number(m[1])
    if (pid === process.pid || (await pathExists(`/proc/${pid}`))) continue
    ctx.log?.(`sidus: removing ${entry}, left by an interrupted create`)
    await removeStaging(ctx, path.join(roots, entry))
  }
}

