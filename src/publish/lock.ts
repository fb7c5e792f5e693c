import { mkdir, open, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { BusyError } from '../errors.js'

/** One writer of the TFTP tree and the master state at a time (publish, master set/unset). */
export const treeLockFile = (config: SidusConfig) => path.join(config.paths.state, 'locks', '.tftp-tree.lock')

/**
 * Hold the tree lock while `fn` runs. The lock is a file holding our pid; one left by a
 * process that died (crash, kill -9) is taken over, a live holder makes us fail fast.
 */
export async function withTreeLock<T>(config: SidusConfig, fn: () => Promise<T>): Promise<T> {
  const file = treeLockFile(config)
  await mkdir(path.dirname(file), { recursive: true })
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o644)
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error
      const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10)
      if (Number.isFinite(holder) && holder !== process.pid && alive(holder)) {
        throw new BusyError(`another sidus (pid ${holder}) is writing the TFTP tree or the master state`, {
          suggestion: `wait for it to finish and try again (lock: ${file})`,
        })
      }
      await rm(file, { force: true })
    }
  }
  try {
    return await fn()
  } finally {
    await rm(file, { force: true })
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (error) { return (error as NodeJS.ErrnoException).code === 'EPERM' }
}
