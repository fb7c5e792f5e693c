import type { Ctx } from '../context.js'
import { BusyError } from '../errors.js'
import { withLockFile } from '../publish/lock.js'
import { lockFile } from '../state/layout.js'

/**
 * Hold the instance lock (the one exec/shell sessions take, assets/chroot/session.sh) while
 * `fn` runs: no session writes the live root or the stage while it is copied or swapped.
 */
export async function withInstanceLock<T>(ctx: Pick<Ctx, 'config' | 'runner'>, name: string, fn: () => Promise<T>): Promise<T> {
  return withLockFile(ctx, lockFile(ctx.config, name), (pid) => new BusyError(`instance ${name} is in use${pid ? ` (sidus pid ${pid})` : ''}: a session or another generation change holds its lock`, {
    suggestion: 'wait for it to finish, then run the command again',
  }), fn)
}
