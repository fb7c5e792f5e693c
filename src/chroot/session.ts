import { chmod, mkdir, mkdtemp, open, rm, stat, type FileHandle } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { isatty } from 'node:tty'
import { assetPath } from '../assets.js'
import type { Ctx } from '../context.js'
import { BusyError, CancelledError, ExternalError, UsageError } from '../errors.js'
import { CommandFailedError } from '../run/local.js'
import { requireProgram } from '../run/programs.js'
import { formatArgv, type RunResult, type Runner } from '../run/runner.js'
import { lockFile } from '../state/layout.js'
import { readMastersOrWarn } from '../inventory/masters.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { archForRoot } from './arch.js'
import { BASH_LOADABLES, sessionArgv, type SessionSpec } from './argv.js'
import { SESSION_PATH, sessionEnv } from './env.js'
import { resolveInRootDetailed } from '../domain/root-path.js'
import { checkMountPoints, locateRoot, resolveInRoot } from './root.js'
import { parseStatus, type SessionStatus } from './status.js'
import { isDirectory } from '../fs.js'
import { readSwapJournal } from '../generations/journal.js'

export { isLocked, type LockState } from './locks.js'

export interface SessionOptions {
  /** 'pipe' captures the command's output (default); 'inherit' streams it */
  stdio?: 'inherit' | 'pipe'
  /** fail with BusyError at once when another session holds the instance */
  noWait?: boolean
  /** added to the command's environment (which otherwise holds nothing of the server's but TERM) */
  env?: Record<string, string>
  input?: string
  /** chroot here instead of <paths.roots>/<name> (create's staging directory); the lock is still <name>'s */
  rootDir?: string
  /** chroot into the instance's stage (sidus stage), under the same lock */
  staged?: boolean
  /** an interactive shell: SIGINT belongs to it, the prompt names the instance */
  interactive?: boolean
  /** false: resolve with a non-zero exit code instead of throwing CommandFailedError */
  reject?: boolean
}

/**
 * Run argv inside an instance root, in a session: private mount and pid namespaces with
 * /proc, /sys, /dev(/pts), tmpfs on /run and /run/lock, the server's resolv.conf; a policy-rc.d that keeps
 * services from starting; the instance lock, which the kernel releases when the session ends.
 * Resolves with the command's exit code (128+n for a signal death).
 */
export async function runInRoot(ctx: Ctx, name: string, argv: string[], opts: SessionOptions = {}): Promise<RunResult> {
  checkInstanceName(name)
  if (argv.length === 0) throw new UsageError(`no command to run inside ${name}`, { suggestion: `sidus exec ${name} -- <command…>` })
  if (ctx.signal?.aborted) throw new CancelledError(signalName(ctx.signal.reason))
  // pure, so first: a bad variable name changes nothing on disk
  const env = sessionEnv(name, { term: process.env.TERM, shell: opts.interactive ? argv[0] : undefined, extra: opts.env })
  // a swap a killed sidus left half done is finished before the root is looked for; the swap
  // and stage code (publish, services) loads only when needed: exec's start-up (bench/exec)
  if (!opts.rootDir && (await readSwapJournal(ctx.config, name))) await (await import('../generations/swap.js')).completeInterruptedSwap(ctx, name)
  const root = await locateRoot(ctx.config, name, opts.staged ? await (await import('../generations/stage.js')).requireStage(ctx, name) : opts.rootDir)

  // the checks and look-ups a session needs are independent of each other: they run together
  // (each waits on the disk), and the first failure in this order is the one reported
  const warnings: string[] = []
  const [, { personality }, , masters, policy, resolv] = await allInOrder([
    checkMountPoints(root),
    archForRoot(root),
    requireSessionPrograms(ctx.runner),
    // exec needs no master: a corrupt registry is a warning here, not a stop
    readMastersOrWarn(ctx.config, (line) => warnings.push(`warning: ${line}`)),
    policyTarget(root, (line) => warnings.push(line)),
    resolvPlan(root),
  ] as const)
  const master = masters[name]
  if (master) {
    warnings.push(`warning: ${name} has a read-write master (${master.mac}${master.ip ? `, ${master.ip}` : ''}): it may be writing to the same files right now`)
  }
  for (const line of warnings) ctx.log?.(line)

  const lock = lockFile(ctx.config, name)
  await mkdir(path.dirname(lock), { recursive: true })
  // 0600, whoever created it: the holder line in it is for root only (session.sh creates a
  // missing one 0600 itself, and a chmod process there would cost every session)
  await chmod(lock, 0o600).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error
  })
  // with a terminal, its Ctrl-C reaches the whole foreground group, the command included: forwarding
  // it again would deliver it twice (isatty, not process.stdin, which would open a stream on fd 0)
  const onInt: SessionSpec['onInt'] = opts.interactive ? 'ignore' : isatty(0) ? 'record' : 'forward'
  // the status file is open here and already unlinked: the script reaches it via /proc, and it
  // vanishes with sidus however sidus ends; so does the scratch file the script writes its
  // mount tables into (mount -a reads a table from a path)
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'sidus-session-'))
  let statusHandle: FileHandle, fstabHandle: FileHandle
  try {
    statusHandle = await open(path.join(tmp, 'status'), 'w+', 0o600)
    fstabHandle = await open(path.join(tmp, 'fstab'), 'w+', 0o600).catch(async (error: unknown) => {
      await statusHandle.close()
      throw error
    })
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  const spec: SessionSpec = {
    script: assetPath('chroot/session.sh'),
    root,
    lock,
    status: `/proc/${process.pid}/fd/${statusHandle.fd}`,
    fstab: `/proc/${process.pid}/fd/${fstabHandle.fd}`,
    loadables: BASH_LOADABLES,
    // no command line: it may hold passwords, and others read the lock to say who holds it
    holder: `sidus pid ${process.pid}, since ${new Date().toISOString()}`,
    noWait: opts.noWait ?? false,
    onInt,
    personality,
    policy,
    resolv,
    env,
    argv,
  }

  const watch = watchSession(ctx, name, statusHandle, onInt)
  let result: RunResult
  let status: SessionStatus
  try {
    result = await ctx.runner.run(sessionArgv(spec), {
      stdio: opts.stdio ?? 'pipe',
      input: opts.input,
      reject: false,
      env: { PATH: `${process.env.PATH ?? ''}:${SESSION_PATH}` },
    })
  } finally {
    watch.stop()
    status = parseStatus(await readStatus(statusHandle).catch(() => ''))
    await Promise.all([statusHandle.close(), fstabHandle.close()])
  }

  if (status.busy !== undefined) {
    throw new BusyError(`${name} is in use: ${status.busy}`, {
      suggestion: 'wait for that session to end, or run again without --no-wait to wait for it',
    })
  }
  const cancelled = ctx.signal?.aborted ? signalName(ctx.signal.reason) : undefined
  if (cancelled && !(cancelled === 'SIGINT' && opts.interactive)) throw new CancelledError(cancelled)
  if (status.pid === undefined) {
    const tail = result.stderr.trim().split('\n').slice(-5).join('\n')
    throw new ExternalError(`could not start a session for ${name} (${formatArgv(result.argv.slice(0, 12))} exited with ${result.exitCode})${tail ? `:\n${tail}` : ''}`)
  }
  if (!status.started) {
    throw new ExternalError(`could not set up the session in ${root}: ${status.error ?? `the session script exited with ${result.exitCode}`}`)
  }
  const final: RunResult = { ...result, argv: ['chroot', root, ...argv] }
  if (final.exitCode !== 0 && opts.reject !== false) throw new CommandFailedError(final)
  return final
}

/**
 * The root's policy-rc.d, resolved inside it; none when the root has no /usr/sbin at all. A
 * symlink there whose target's directory is missing cannot be covered (nothing mounts on a
 * symlink, and the root is not changed for us): the session runs, with a warning.
 */
async function policyTarget(root: string, warn: (line: string) => void): Promise<SessionSpec['policy']> {
  const rel = 'usr/sbin/policy-rc.d'
  const { path: target, links } = await resolveInRootDetailed(root, rel)
  if (!(await isDirectory(path.dirname(target)))) {
    const link = links.at(-1)
    if (link && (await isDirectory(path.join(root, 'usr/sbin')))) {
      warn(`warning: ${link.link} is a dangling symlink (to ${link.target}): no policy-rc.d guards this session, services installed now may start; fix: rm ${path.join(root, rel)} (sidus puts its own there during sessions)`)
    }
    return undefined
  }
  return { path: target, asset: assetPath('chroot/policy-rc.d') }
}

/** The server's resolv.conf goes over the root's (a copy when the root's points into /run, our tmpfs). */
async function resolvPlan(root: string, source = '/etc/resolv.conf'): Promise<SessionSpec['resolv']> {
  if (!(await isFile(source))) return undefined
  const target = await resolveInRoot(root, 'etc/resolv.conf')
  if (target.startsWith(path.join(root, 'run') + path.sep)) return { mode: 'copy', target, source }
  if (await isFile(target)) return { mode: 'bind', target, source }
  return undefined
}

/**
 * Follow the session's status file while it runs: say when it waits for another session,
 * and forward sidus's SIGTERM/SIGHUP (and SIGINT when no terminal sent it) to its pid 1.
 */
function watchSession(ctx: Ctx, name: string, statusHandle: FileHandle, onInt: SessionSpec['onInt']): { stop(): void } {
  let pid: number | undefined
  let pending: NodeJS.Signals | undefined
  let saidWaiting = false
  let reading = false
  const forward = () => {
    if (!pending || !pid) return
    try { process.kill(pid, pending) } catch { /* already gone */ }
    pending = undefined
  }
  const onAbort = () => {
    const sig = signalName(ctx.signal?.reason)
    // a terminal's Ctrl-C reached the whole foreground group, the session included
    if (sig === 'SIGINT' && onInt !== 'forward') return
    pending = sig
    forward()
  }
  const poll = async () => {
    if (reading) return
    reading = true
    try {
      const status = parseStatus(await readStatus(statusHandle))
      if (pid === undefined && status.pid !== undefined) {
        pid = status.pid
        forward()
      }
      if (status.waiting !== undefined && !status.ready && !saidWaiting) {
        saidWaiting = true
        ctx.log?.(`${name} is in use (${status.waiting}); waiting for it to finish…`)
      }
      if (status.ready && saidWaiting) {
        saidWaiting = false
        ctx.log?.(`${name} is free: starting`)
      }
      // the lock is taken and the pid known: nothing more can be waited for, nothing to poll
      if (status.ready && pid !== undefined) clearInterval(timer)
    } catch { /* closed at the end */ } finally {
      reading = false
    }
  }
  ctx.signal?.addEventListener('abort', onAbort, { once: true })
  const timer = setInterval(() => void poll(), 50)
  return {
    stop: () => {
      clearInterval(timer)
      ctx.signal?.removeEventListener('abort', onAbort)
    },
  }
}

/** The programs a session starts, looked up once per runner: they do not come and go between sessions. */
const SESSION_PROGRAMS = ['setpriv', 'unshare', 'flock']
const programsFound = new WeakMap<Runner, Promise<unknown>>()
function requireSessionPrograms(runner: Runner): Promise<unknown> {
  let found = programsFound.get(runner)
  if (!found) {
    found = Promise.all(SESSION_PROGRAMS.map((program) => requireProgram(runner, program)))
    // a missing one is looked for again next time (it may have been installed meanwhile)
    found.catch(() => programsFound.delete(runner))
    programsFound.set(runner, found)
  }
  return found
}

/**
 * Await promises together and resolve with their values; when some fail, reject with the
 * first failure in the given order (not in time), so the error a caller sees is always the same.
 */
async function allInOrder<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises)
  for (const s of settled) if (s.status === 'rejected') throw s.reason
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T
}

async function readStatus(handle: FileHandle): Promise<string> {
  const { size } = await handle.stat()
  const buf = Buffer.alloc(size)
  const { bytesRead } = await handle.read(buf, 0, size, 0)
  return buf.subarray(0, bytesRead).toString('utf8')
}

function signalName(reason: unknown): NodeJS.Signals {
  return reason === 'SIGINT' || reason === 'SIGHUP' || reason === 'SIGTERM' ? reason : 'SIGTERM'
}


async function isFile(p: string): Promise<boolean> {
  try { return (await stat(p)).isFile() } catch { return false }
}
