import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import path from 'node:path'
import { makeBusyboxRoot } from '../../helpers/busybox-root.js'
import { tempWorld } from '../../helpers/config.js'

export type World = ReturnType<typeof tempWorld> & { root: string; name: string }

/** A temp sidus world with one busybox instance, `bb64`. */
export function busyboxWorld(): World {
  const w = tempWorld()
  const name = 'bb64'
  const root = makeBusyboxRoot(path.join(w.roots, name))
  return { ...w, root, name }
}

/** Remove a world, staying on its file system (nothing can be mounted there from this namespace anyway). */
export function removeWorld(w: World | undefined): void {
  if (!w) return
  if (mountedUnder(w.dir, '/proc/self/mountinfo').length > 0) throw new Error(`refusing to remove ${w.dir}: something is mounted under it`)
  rmSync(w.dir, { recursive: true, force: true })
}

function unescape(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)))
}

/** Mount points at or under `dir` in one mountinfo file. */
export function mountedUnder(dir: string, mountinfo: string): string[] {
  let text: string
  try { text = readFileSync(mountinfo, 'utf8') } catch { return [] }
  return text.split('\n').filter(Boolean).map((l) => unescape(l.split(' ')[4])).filter((m) => m === dir || m.startsWith(`${dir}/`))
}

/** Mount points under `dir` in ANY mount namespace of the machine (every process's mountinfo). */
export function mountedUnderAnywhere(dir: string): string[] {
  const out = new Set<string>()
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    for (const m of mountedUnder(dir, `/proc/${pid}/mountinfo`)) out.add(`${pid}:${m}`)
  }
  return [...out]
}

/** Processes whose root directory is `dir` (chrooted into it), as pids. */
export function processesChrootedIn(dir: string): number[] {
  const out: number[] = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/root`) === dir) out.push(Number(pid))
    } catch { /* gone */ }
  }
  return out
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = probe()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
