import { constants } from 'node:fs'
import { chmod, mkdir, open } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { BusyError } from '../errors.js'
import { requireProgram } from '../run/programs.js'

/** One writer of the TFTP tree and the master state at a time (publish, master set/unset). */
export const treeLockFile = (config: SidusConfig) => path.join(config.paths.state, 'locks', '.tftp-tree.lock')

/** LOCK_EX|LOCK_NB refused: flock(1) exits with this (-E) when another holds the lock */
const HELD = 75

/**
 * Hold the tree lock while `fn` runs. Like the instance lock (assets/chroot/session.sh), it is
 * a kernel flock on an open file: flock(1) takes it on our descriptor (a flock belongs to the
 * open file, which we keep), so the kernel releases it when we close the file or die, kill -9
 * included. Nothing is decided from the file's content, which only names the holder's pid for
 * the message a second writer gets; it holds no command line and is 0600.
 */
export async function withTreeLock<T>(ctx: Pick<Ctx, 'config' | 'runner'>, fn: () => Promise<T>): Promise<T> {
  const file = treeLockFile(ctx.config)
  return withLockFile(ctx, file, (pid) => new BusyError(`another sidus${pid ? ` (pid ${pid})` : ''} is writing the TFTP tree or the master state`, {
    suggestion: `wait for it to finish and try again (lock: ${file})`,
  }), fn)
}

/** Hold the flock on `file` while `fn` runs (see withTreeLock); `busy` makes the error a second holder gets. */
export async function withLockFile<T>(ctx: Pick<Ctx, 'runner'>, file: string, busy: (pid: string | undefined) => Error, fn: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(file), { recursive: true })
  await requireProgram(ctx.runner, 'flock')
  const handle = await open(file, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600)
  try {
    await chmod(file, 0o600) // a lock file left by an older sidus was 0644
    const r = await ctx.runner.run(['flock', '--nonblock', '--conflict-exit-code', String(HELD), '3'], { shareFds: [handle.fd], reject: false })
    if (r.exitCode === HELD) {
      const text = (await handle.readFile('utf8').catch(() => '')).trim()
      throw busy(/^sidus pid (\d+)/.exec(text)?.[1])
    }
    if (r.exitCode !== 0) throw new BusyError(`cannot take the lock ${file}: flock exited with ${r.exitCode}${r.stderr ? `: ${r.stderr.trim()}` : ''}`)
    await handle.truncate(0)
    await handle.write(`sidus pid ${process.pid}\n`, 0)
    return await fn()
  } finally {
    await handle.close()
  }
}
