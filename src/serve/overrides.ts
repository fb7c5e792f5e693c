import { randomBytes } from 'node:crypto'
import { readdir, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { writeFileAtomic } from '../state/atomic.js'
import { formatBootTarget, parseBootTarget, type BootTarget } from './target.js'

/** A pending one-shot boot of one node: <paths.state>/overrides/<node>.json. */
export interface BootOverride {
  node: string
  mac: string
  target: string
  /** ISO time it was asked */
  created: string
}

export const overridesDir = (c: SidusConfig) => path.join(c.paths.state, 'overrides')
const overrideFile = (c: SidusConfig, node: string) => path.join(overridesDir(c), `${node}.json`)

export async function writeOverride(c: SidusConfig, o: BootOverride): Promise<void> {
  await writeFileAtomic(overrideFile(c, o.node), `${JSON.stringify(o)}\n`, 0o600)
}

/** Remove a node's pending override; whether there was one. */
export async function cancelOverride(c: SidusConfig, node: string): Promise<boolean> {
  try {
    await rm(overrideFile(c, node))
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

/** A node's pending override, without taking it; undefined when none or unreadable. */
export async function readOverride(c: SidusConfig, node: string): Promise<BootOverride | undefined> {
  return parseOverride(await readFile(overrideFile(c, node), 'utf8').catch(() => undefined))
}

/** Every pending override, by node name. */
export async function listOverrides(c: SidusConfig): Promise<Map<string, BootOverride>> {
  const out = new Map<string, BootOverride>()
  const files = await readdir(overridesDir(c)).catch(() => [] as string[])
  for (const f of files) {
    if (f.startsWith('.') || !f.endsWith('.json')) continue
    const o = await readOverride(c, f.slice(0, -'.json'.length))
    if (o) out.set(o.node, o)
  }
  return out
}

/**
 * Take a node's override for this one boot. The rename is the claim: of two requests racing
 * for the same file, exactly one rename succeeds (the other gets ENOENT and serves the normal
 * entry). The claimed copy is then read and removed.
 */
export async function claimOverride(c: SidusConfig, node: string): Promise<BootOverride | undefined> {
  const claimed = path.join(overridesDir(c), `.claimed-${node}-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    await rename(overrideFile(c, node), claimed)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    return parseOverride(await readFile(claimed, 'utf8'))
  } finally {
    await rm(claimed, { force: true })
  }
}

function parseOverride(text: string | undefined): BootOverride | undefined {
  if (text === undefined) return undefined
  try {
    const o = JSON.parse(text) as BootOverride
    if (typeof o.node !== 'string' || typeof o.target !== 'string') return undefined
    parseBootTarget(o.target)
    return o
  } catch {
    return undefined
  }
}

export const overrideTarget = (o: BootOverride): BootTarget => parseBootTarget(o.target)
export { formatBootTarget }
