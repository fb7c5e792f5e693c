import { readFile, stat } from 'node:fs/promises'
import { createInstance, type CreateResult } from '../bootstrap/create.js'
import { defaultRootSteps } from '../bootstrap/default-steps.js'
import type { Ctx } from '../context.js'
import { publish } from '../publish/index.js'
import { rootDir } from '../state/layout.js'
import { labBoot, type LabBootResult } from './boot.js'
import { labDown, labUp } from './lab.js'

export interface LabDemoOptions {
  /** the instance to create (kept when it exists) */
  name?: string
  uefi?: boolean
  /** leave the lab running after the boot (default: take it down) */
  keep?: boolean
  timeoutSeconds?: number
}

export interface LabDemoResult {
  instance: string
  created?: Pick<CreateResult, 'root' | 'seconds' | 'downloadedBytes'>
  published: { added: number; updated: number }
  boot: LabBootResult
  kept: boolean
  /** seconds per step */
  steps: { create?: number; publish: number; up: number; boot: number; down?: number }
  ok: boolean
}

export const DEMO_INSTANCE = 'demo64'

/**
 * From nothing to a checked client: create a minimal root (unless it exists), publish
 * it, bring the lab up, boot one client and check it; then take the lab down unless kept.
 */
export async function labDemo(ctx: Ctx, opts: LabDemoOptions = {}): Promise<LabDemoResult> {
  const name = opts.name ?? DEMO_INSTANCE
  const steps: LabDemoResult['steps'] = { publish: 0, up: 0, boot: 0 }
  const timed = async <T>(key: keyof LabDemoResult['steps'], fn: () => Promise<T>): Promise<T> => {
    const t = Date.now()
    try {
      return await fn()
    } finally {
      steps[key] = Math.round((Date.now() - t) / 100) / 10
    }
  }
  let created: LabDemoResult['created']
  if (!(await stat(rootDir(ctx.config, name)).catch(() => undefined))) {
    ctx.log?.(`creating ${name} (profile minimal)…`)
    // the demo's name says no suite: build what the server itself runs
    const suite = await hostSuite()
    const c = await timed('create', () => createInstance(ctx, name, { suite, profile: 'minimal' }, defaultRootSteps))
    created = { root: c.root, seconds: c.seconds, downloadedBytes: c.downloadedBytes }
  }
  const pub = await timed('publish', () => publish(ctx, [name]))
  await timed('up', () => labUp(ctx))
  let boot: LabBootResult
  try {
    boot = await timed('boot', () => labBoot(ctx, name, { uefi: opts.uefi, timeoutSeconds: opts.timeoutSeconds }))
  } finally {
    if (!opts.keep) await timed('down', () => labDown(ctx))
  }
  return { instance: name, created, published: { added: pub.added.length, updated: pub.updated.length }, boot, kept: opts.keep ?? false, steps, ok: boot.ok }
}

/** The server's own Debian codename (bookworm when it cannot tell). */
async function hostSuite(): Promise<string> {
  try {
    const m = /^VERSION_CODENAME=(\w+)$/m.exec(await readFile('/etc/os-release', 'utf8'))
    return m?.[1] ?? 'bookworm'
  } catch {
    return 'bookworm'
  }
}
