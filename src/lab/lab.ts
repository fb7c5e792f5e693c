import { mkdir, readFile, rm } from 'node:fs/promises'
import { assetPath } from '../assets.js'
import type { Ctx } from '../context.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { requireProgram } from '../run/programs.js'
import { processAlive, writeFileAtomic } from '../state/atomic.js'
import { masterChanges, readMasters } from '../inventory/masters.js'
import { macBare } from '../domain/mac.js'
import { applyChanges } from '../inventory/edit.js'
import { mastersFile } from '../state/layout.js'
import { createNetwork, deleteNamespace, namespaceExists, namespacePids } from './netns.js'
import { labConfig, labMasters, labNodesFile, labPlan, type LabPlan } from './plan.js'
import YAML from 'yaml'
import { loadInventory } from '../inventory/file.js'
import { stopPids } from './process.js'
import { knownHostsFile } from '../fleet/known-hosts.js'
import { startDnsmasq, startNfs, writeServiceConfigs } from './services.js'
import { readLabRecord, removeLabRecord, writeLabRecord, type KeptClient, type LabRecord } from './state.js'

export const LAB_PROGRAMS = ['ip', 'dnsmasq', 'ganesha.nfsd', 'rpcbind', 'rpcinfo', 'unshare', 'qemu-system-x86_64']

export interface LabUpResult {
  lab: LabRecord
  /** leftovers of a previous lab (after a crash) that were cleaned first */
  cleaned: { namespace: boolean; pids: number[] }
  seconds: number
}

/**
 * Bring the lab up: its namespace, bridge and tap; dnsmasq (DHCP + TFTP) and ganesha
 * (with rpcbind) inside it, configured by the `sidus server` renderers for the lab's
 * network. Leftovers of a lab that was not taken down are cleaned first.
 */
export async function labUp(ctx: Ctx): Promise<LabUpResult> {
  const started = Date.now()
  for (const program of LAB_PROGRAMS) await requireProgram(ctx.runner, program)
  const plan = labPlan(ctx.config)
  const cleaned = await cleanLab(ctx, plan)
  const p = plan.paths
  for (const d of [plan.dir, p.tftp, p.state, p.probe, p.boots, p.ganeshaRecovery]) await mkdir(d, { recursive: true })
  // clients read it over NFS: written whole or not at all
  await writeFileAtomic(`${p.probe}/check.sh`, await readFile(assetPath('lab/check.sh')), 0o755)
  // a new lab's clients are new hosts to `lab run` (their addresses are the lab's, not the fleet's)
  await rm(knownHostsFile(labConfig(ctx.config, plan)), { force: true })
  try {
    await syncLabNodes(ctx, plan)
    await writeServiceConfigs(ctx, plan, labConfig(ctx.config, plan))
    await createNetwork(ctx, plan)
    const dnsmasq = await startDnsmasq(ctx, plan)
    const ganesha = await startNfs(ctx, plan)
    const lab: LabRecord = {
      namespace: plan.namespace, bridge: plan.bridge, tap: plan.tap, server: plan.server, network: plan.network,
      nfs: 'ganesha', startedAt: new Date().toISOString(), pids: { dnsmasq, ganesha }, paths: p,
    }
    await writeLabRecord(plan, lab)
    return { lab, cleaned, seconds: (Date.now() - started) / 1000 }
  } catch (error) {
    await cleanLab(ctx, plan).catch(() => undefined)
    throw error
  }
}

export interface LabDownResult {
  namespace: string
  /** false when no lab was up */
  wasUp: boolean
  stopped: number[]
  /** the kept clients (lab boot --keep) that were running, stopped with the rest */
  kept: KeptClient[]
}

/** Stop every process in the lab's namespace and delete the namespace (and so its bridge and tap). */
export async function labDown(ctx: Ctx): Promise<LabDownResult> {
  const plan = labPlan(ctx.config)
  const record = await readLabRecord(plan)
  const wasUp = record !== undefined || (await namespaceExists(ctx, plan.namespace))
  const kept = (record?.kept ?? []).filter((k) => processAlive(k.pid))
  const { pids } = await cleanLab(ctx, plan)
  return { namespace: plan.namespace, wasUp, stopped: pids, kept }
}

/** The running lab, or a NotFoundError telling how to start it. */
export async function runningLab(ctx: Ctx, plan: LabPlan = labPlan(ctx.config)): Promise<LabRecord> {
  const lab = await readLabRecord(plan)
  if (!lab || !(await namespaceExists(ctx, plan.namespace))) {
    throw new NotFoundError('the lab is not up', { suggestion: 'sidus lab up' })
  }
  if (lab.namespace !== plan.namespace || lab.server !== plan.server) {
    throw new ConflictError(`the running lab (${lab.namespace}, ${lab.server}) does not match lab.* in the config`, { suggestion: 'sidus lab down && sidus lab up' })
  }
  return lab
}

/**
 * The admin's inventory as the lab's own: same names, MACs, groups, instances and modes (so a
 * node boots in the lab what it boots on the fleet, under its own name), no fixed addresses
 * (the lab's network is not the fleet's: its DHCP pool gives them) but for the masters, the
 * instances' rw nodes, whose addresses move into the lab network (their rw export names them).
 * `rw`: a MAC the lab (only) makes the master of an instance for this boot.
 */
export async function syncLabNodes(ctx: Ctx, plan: LabPlan, rw?: { instance: string; mac: string }): Promise<void> {
  const inventory = await loadInventory(ctx.config)
  // masters.yaml of an older sidus counts as well (the admin's own migration comes with their next write)
  const admin = await readMasters(ctx.config)
  const masters = rw && admin[rw.instance]?.mac !== rw.mac
    ? { ...admin, [rw.instance]: { instance: rw.instance, mac: rw.mac, hostname: `lab-rw-${macBare(rw.mac)}` } }
    : admin
  const labInventory = { ...inventory, nodes: inventory.nodes.map(({ ip: _ip, ...rest }) => rest) }
  const doc = new YAML.Document({ groups: labInventory.groups, nodes: Object.fromEntries(labInventory.nodes.map(({ name, ...rest }) => [name, rest])) })
  // one MAC masters one root: the changes of different instances never touch the same node
  for (const m of Object.values(labMasters(masters, plan))) applyChanges(doc, masterChanges(ctx.config, labInventory, m.instance, m))
  // the lab's state held a masters.yaml before the inventory did: the lab's nodes.yaml says it all now
  await rm(mastersFile({ ...ctx.config, paths: { ...ctx.config.paths, state: plan.paths.state } }), { force: true })
  await writeFileAtomic(labNodesFile(plan), doc.toString(), 0o644)
}

/** Everything a previous lab left: processes in its namespace (by id), the namespace, its record. */
async function cleanLab(ctx: Ctx, plan: LabPlan): Promise<{ namespace: boolean; pids: number[] }> {
  const exists = await namespaceExists(ctx, plan.namespace)
  const pids = exists ? await namespacePids(ctx, plan.namespace) : []
  if (pids.length > 0) await stopPids(pids)
  if (exists) await deleteNamespace(ctx, plan.namespace)
  await removeLabRecord(plan)
  return { namespace: exists, pids }
}
