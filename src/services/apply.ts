import { readTextIfExists } from '../fs.js'
import { constants } from 'node:fs'
import { copyFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Ctx } from '../context.js'
import { ConfigError, UsageError } from '../errors.js'
import { writeFileAtomic } from '../state/atomic.js'
import { unifiedDiff } from '../ui/diff.js'
import { BEFORE_RELOAD, EDITED_PATHS, planFiles, RELOAD, retiredFiles, type ManagedFile, type RetiredFile, type ServiceId } from './files.js'
import { loadServerModel, type ServerModel } from './model.js'
import { MANAGED_MARK } from './values.js'
import { pathExists } from '../fs.js'

export interface FileChange {
  /** path on the server */
  path: string
  /** where it was written (the path under --root) */
  target: string
  service: ServiceId
  /** removed: a file of sidus's own this config no longer wants (the serve unit under boot.loader pxelinux) */
  status: 'added' | 'updated' | 'unchanged' | 'removed'
  /** the copy kept of the file sidus replaced or edited first */
  backup?: string
  /** line diff (dry runs) */
  diff?: string
}

export interface ReloadAction {
  service: ServiceId
  argv: string[]
  status: 'done' | 'skipped' | 'failed'
  reason?: string
}

export interface ApplySummary {
  root: string
  dryRun: boolean
  /** set when nothing was done at all, with the reason */
  skipped?: string
  files: FileChange[]
  reloads: ReloadAction[]
}

export const BACKUP_SUFFIX = '.sidus-orig'

/**
 * Write the service configs sidus renders into this server (or a tree under `root`):
 * drop-ins and sidus's own files whole, the admin's dhcpd.conf and tftpd-hpa defaults
 * edited. Everything is rendered before anything is written. A file is written
 * atomically and only when its content changes; the first time sidus replaces a file
 * it did not write, a copy is kept as <file>.sidus-orig. Then each service with a
 * changed file is reloaded — not under `root`, where the reloads are only reported.
 * `onlyIfApplied`: do nothing unless sidus's files are already installed (master set).
 */
export async function applyServerConfig(ctx: Ctx, opts: { root?: string; onlyIfApplied?: boolean; dryRun?: boolean } = {}): Promise<ApplySummary> {
  const root = opts.root ?? '/'
  if (!path.isAbsolute(root)) throw new UsageError(`--root ${root} is not an absolute path`, { suggestion: `use --root ${path.resolve(root)}` })
  const dryRun = opts.dryRun ?? false
  const model = await loadServerModel(ctx)
  const under = (p: string) => path.join(root, p)
  if (root === '/') await checkInterface(model)
  const existing: Record<string, string | undefined> = {}
  for (const p of EDITED_PATHS) existing[p] = await readTextIfExists(under(p))
  const plan = planFiles(model, existing)
  const summary: ApplySummary = { root, dryRun, files: [], reloads: [] }
  if (opts.onlyIfApplied && !(await isApplied(plan, under))) {
    summary.skipped = 'sidus server apply has not been run on this server: its service files are left alone'
    return summary
  }
  const changed = new Map<ServiceId, { before?: string; after: string }[]>()
  for (const file of plan) {
    const target = under(file.path)
    const before = await readTextIfExists(target)
    const change: FileChange = { path: file.path, target, service: file.service, status: before === undefined ? 'added' : before === file.content ? 'unchanged' : 'updated' }
    summary.files.push(change)
    if (change.status === 'unchanged') continue
    changed.set(file.service, [...(changed.get(file.service) ?? []), { before, after: file.content }])
    if (dryRun) {
      change.diff = unifiedDiff(file.path.replace(/^\/+/, ''), before, file.content)
      continue
    }
    if (before !== undefined) change.backup = await keepOriginal(target, before, file)
    await writeFileAtomic(target, file.content, await modeOf(target))
    ctx.log?.(`${change.status} ${target}`)
  }
  for (const [service, edits] of changed) {
    const argv = reloadArgv(service, edits)
    if (dryRun) summary.reloads.push({ service, argv, status: 'skipped', reason: 'dry run' })
    else if (root !== '/') summary.reloads.push({ service, argv, status: 'skipped', reason: `files written under ${root}, not to this system` })
    else summary.reloads.push(await reload(ctx, service, argv))
  }
  for (const file of retiredFiles(model)) await retire(ctx, file, root, dryRun, summary)
  return summary
}

/**
 * A unit of sidus's own (its mark in it) that the config no longer wants: disabled and stopped
 * first (systemctl needs its file for that), then removed, then systemd told. Under `root`, the
 * tree's enablement links are removed offline (systemctl --root) and nothing is stopped.
 */
async function retire(ctx: Ctx, file: RetiredFile, root: string, dryRun: boolean, summary: ApplySummary): Promise<void> {
  const target = path.join(root, file.path)
  const before = await readTextIfExists(target)
  if (before === undefined || !before.includes(MANAGED_MARK)) return
  const change: FileChange = { path: file.path, target, service: file.service, status: 'removed' }
  summary.files.push(change)
  if (!file.unit) {
    // a config file (the nginx site): removed, then its service reloaded
    const argv = RELOAD[file.service]
    if (dryRun) change.diff = unifiedDiff(file.path.replace(/^\/+/, ''), before, '')
    else {
      await rm(target, { force: true })
      ctx.log?.(`removed ${target}`)
    }
    summary.reloads.push(dryRun ? { service: file.service, argv, status: 'skipped', reason: 'dry run' }
      : root !== '/' ? { service: file.service, argv, status: 'skipped', reason: `files written under ${root}, not to this system` }
        : await reload(ctx, file.service, argv))
    return
  }
  const disable = root === '/' ? ['systemctl', 'disable', '--now', file.unit] : ['systemctl', `--root=${root}`, 'disable', file.unit]
  if (dryRun) {
    change.diff = unifiedDiff(file.path.replace(/^\/+/, ''), before, '')
    summary.reloads.push({ service: file.service, argv: disable, status: 'skipped', reason: 'dry run' })
    return
  }
  const disabled = await runStep(ctx, file.service, disable)
  summary.reloads.push(disabled)
  // a unit that could not be disabled keeps its file: the next apply tries again
  if (disabled.status === 'failed') return
  await rm(target, { force: true })
  ctx.log?.(`removed ${target}`)
  const reloadArgs = ['systemctl', 'daemon-reload']
  summary.reloads.push(root === '/' ? await runStep(ctx, file.service, reloadArgs) : { service: file.service, argv: reloadArgs, status: 'skipped', reason: `files written under ${root}, not to this system` })
}

async function runStep(ctx: Ctx, service: ServiceId, argv: string[]): Promise<ReloadAction> {
  if (!(await ctx.runner.which(argv[0]))) return { service, argv, status: 'failed', reason: `${argv[0]} is not installed` }
  const r = await ctx.runner.run(argv, { reject: false, signal: ctx.signal, timeoutMs: 60_000 })
  if (r.exitCode === 0) return { service, argv, status: 'done' }
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')
  return { service, argv, status: 'failed', reason: `exit ${r.exitCode}${tail ? `: ${tail}` : ''}` }
}

/** The first replacement of a file sidus did not write keeps a copy of it, once. */
async function keepOriginal(target: string, before: string, file: ManagedFile): Promise<string | undefined> {
  const backup = `${target}${BACKUP_SUFFIX}`
  if (await pathExists(backup)) return backup
  if (file.kind === 'own' && before.includes(MANAGED_MARK)) return undefined
  await copyFile(target, backup, constants.COPYFILE_EXCL)
  return backup
}

/** ganesha re-reads exports on reload; anything else in its config needs a restart. */
function reloadArgv(service: ServiceId, edits: { before?: string; after: string }[]): string[] {
  if (service === 'nfs-ganesha' && edits.some((e) => withoutExports(e.before ?? '') !== withoutExports(e.after))) {
    return ['systemctl', 'restart', 'nfs-ganesha']
  }
  return RELOAD[service]
}

function withoutExports(text: string): string {
  return text.replace(/^EXPORT\s*\{[\s\S]*?^\}/gm, '').replace(/\s+/g, ' ')
}

async function reload(ctx: Ctx, service: ServiceId, argv: string[]): Promise<ReloadAction> {
  const program = await ctx.runner.which(argv[0])
  if (!program) return { service, argv, status: 'failed', reason: `${argv[0]} is not installed` }
  for (const before of BEFORE_RELOAD[service] ?? []) {
    const b = await ctx.runner.run(before, { reject: false, signal: ctx.signal, timeoutMs: 60_000 })
    if (b.exitCode !== 0) return { service, argv: before, status: 'failed', reason: `exit ${b.exitCode}: ${(b.stderr || b.stdout).trim().split('\n').pop() ?? ''}` }
  }
  const r = await ctx.runner.run(argv, { reject: false, signal: ctx.signal, timeoutMs: 60_000 })
  if (r.exitCode === 0) {
    ctx.log?.(`reloaded ${service}: ${argv.join(' ')}`)
    return { service, argv, status: 'done' }
  }
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')
  return { service, argv, status: 'failed', reason: `exit ${r.exitCode}${tail ? `: ${tail}` : ''}` }
}

/** Installed = at least one of sidus's own files is there and carries sidus's mark. */
async function isApplied(plan: ManagedFile[], under: (p: string) => string): Promise<boolean> {
  for (const file of plan) {
    if (file.kind !== 'own') continue
    if ((await readTextIfExists(under(file.path)))?.includes(MANAGED_MARK)) return true
  }
  return false
}

/** server.interface must exist on this machine before services are told to serve it. */
export async function checkInterface(model: ServerModel): Promise<void> {
  const iface = model.config.server.interface
  if (!iface) return
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(iface) || !(await pathExists(path.join('/sys/class/net', iface)))) {
    throw new ConfigError(`server.interface ${iface} does not exist on this machine`, {
      suggestion: 'set server.interface to one of the names `ip link` shows (or remove it to serve every interface)',
    })
  }
}

async function modeOf(file: string): Promise<number> {
  try { return (await stat(file)).mode & 0o7777 } catch { return 0o644 }
}

