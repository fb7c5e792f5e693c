import { readFile, stat } from 'node:fs/promises'
import type { Ctx } from '../context.js'
import { lockFile } from '../state/layout.js'

export interface LockState {
  held: boolean
  /** who holds it, as the holding session wrote it: `sidus pid N, since … (no command line: it may hold passwords)` */
  holder?: string
}

/** One granted (not waiting) lock of /proc/locks: its kind, pid, device and inode. */
export interface KernelLock { kind: string; pid: number; major: number; minor: number; inode: number }

/** The granted locks in /proc/locks text; blocked waiters (`->`) are left out. */
export function parseProcLocks(text: string): KernelLock[] {
  const out: KernelLock[] = []
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(FLOCK|POSIX|OFDLCK|LEASE|DELEG)\s+\S+\s+\S+\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line)
    if (!m) continue
    out.push({ kind: m[1], pid: Number(m[2]), major: Number.parseInt(m[3], 16), minor: Number.parseInt(m[4], 16), inode: Number(m[5]) })
  }
  return out
}

/** glibc's dev_t encoding → (major, minor). */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn))
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn))
  return { major, minor }
}

/**
 * Whether a session holds an instance's lock, read from the kernel's lock table: it never
 * takes the lock itself, so it never makes a session that starts at the same moment wait or fail.
 */
export async function isLocked(ctx: Pick<Ctx, 'config'>, name: string): Promise<LockState> {
  const file = lockFile(ctx.config, name)
  let st
  try {
    st = await stat(file, { bigint: true })
  } catch {
    return { held: false }
  }
  const { major, minor } = splitDev(st.dev)
  const held = parseProcLocks(await readFile('/proc/locks', 'utf8'))
    .some((l) => l.kind === 'FLOCK' && l.inode === Number(st.ino) && l.major === major && l.minor === minor)
  if (!held) return { held: false }
  const holder = (await readFile(file, 'utf8').catch(() => '')).split('\n')[0].trim()
  return { held: true, holder: holder || undefined }
}
