import { mkdir, rm, symlink } from 'node:fs/promises'
import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { UsageError } from '../errors.js'
import { ensureFleetKey, fleetKeyFile, fleetSshDir } from '../fleet/key.js'
import { THIS_SIDUS } from '../services/serve-unit.js'
import { runningLab, syncLabNodes } from './lab.js'
import { labConfig, labPlan, type LabPlan } from './plan.js'
import { writeConfigFile } from './serve.js'
import { refreshLabExports } from './services.js'

export interface LabRunResult { argv: string[]; exitCode: number; config: string; exportsRestarted: boolean }

/**
 * `sidus lab run -- ARGS`: this sidus runs ARGS inside the lab's network namespace with the lab's
 * view of the fleet (run.yaml): the lab's copy of the inventory (no fixed addresses), its dnsmasq
 * leases for the addresses, its server and tree. The fleet key is the admin's (create installed
 * it in the roots), linked into the lab's state; the known hosts are the lab's own (lab up starts
 * them afresh: the lab's addresses are not the fleet's). The lab's NFS exports are brought up to
 * date first (a promote or rollback since the last boot). Output goes straight to ours.
 */
export async function labRun(ctx: Ctx, argv: string[]): Promise<LabRunResult> {
  if (argv.length === 0) throw new UsageError('no sidus command to run in the lab', { suggestion: 'sidus lab run -- node status' })
  const plan = labPlan(ctx.config)
  await runningLab(ctx, plan)
  // the inventory as the admin's is now (nodes added since the lab came up)
  await syncLabNodes(ctx, plan)
  const config = labRunConfig(ctx.config, plan)
  await linkFleetKey(ctx, config)
  const exportsRestarted = await refreshLabExports(ctx, plan, config)
  await writeConfigFile(plan.paths.runConf, config)
  const r = await ctx.runner.run(['ip', 'netns', 'exec', plan.namespace, THIS_SIDUS.node, THIS_SIDUS.sidus, ...argv], {
    env: { SIDUS_CONFIG: plan.paths.runConf }, stdio: 'inherit', reject: false, signal: ctx.signal,
  })
  return { argv, exitCode: r.exitCode, config: plan.paths.runConf, exportsRestarted }
}

/** The lab's config for the commands `lab run` runs: the lab's services, the admin's boot loader. */
export function labRunConfig(config: SidusConfig, plan: LabPlan): SidusConfig {
  return labConfig(config, plan, '', config.boot.loader)
}

/** The admin's fleet key (made now if it is not yet) as the lab's: links, no second copy of the secret. */
async function linkFleetKey(ctx: Ctx, lab: SidusConfig): Promise<void> {
  const key = await ensureFleetKey(ctx)
  await mkdir(fleetSshDir(lab), { recursive: true, mode: 0o700 })
  const file = fleetKeyFile(lab)
  for (const [link, target] of [[file, key.privateKeyFile], [`${file}.pub`, `${key.privateKeyFile}.pub`]]) {
    await rm(link, { force: true })
    await symlink(target, link)
  }
}
