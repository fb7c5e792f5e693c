import { access } from 'node:fs/promises'
import path from 'node:path'
import type { Ctx } from '../context.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { withTreeLock } from '../publish/lock.js'
import { masterFiles } from '../domain/tftp.js'
import { rootDir } from '../state/layout.js'
import type { MasterEntry } from '../state/masters.js'
import { masterRoleName, readMasters } from '../inventory/masters.js'
import { loadInventory } from '../inventory/file.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { checkHostname, masterAddress } from './address.js'
import { readMasterJournal } from '../publish/master-journal.js'
import { parseMac } from '../domain/mac.js'
import { replayMasterJournalLocked, runTransition } from '../publish/master-transition.js'


export interface MasterOptions {
  ip?: string
  hostname?: string
  /** services' files under this directory instead of / (tests) */
  servicesRoot?: string
}

export interface SetMasterResult {
  master: MasterEntry
  /** the master this one replaced, if any */
  previous?: MasterEntry
  /** per-MAC boot files written and removed (relative to paths.tftp) */
  written: string[]
  removed: string[]
  /** why the services were left alone, when they were */
  servicesSkipped?: string
}

/**
 * Make the machine with this MAC the one read-write machine of the root: its per-MAC
 * pxelinux/iPXE/GRUB files boot `sidus=rw` with a rw NFS mount, masters.yaml records it
 * (the services render its rw export and fixed DHCP address from there). A previous
 * master of the root is replaced; a MAC that is master of another root is refused.
 */
export async function setMaster(ctx: Ctx, name: string, macInput: string, opts: MasterOptions = {}): Promise<SetMasterResult> {
  checkInstanceName(name)
  const mac = parseMac(macInput)
  const hostname = opts.hostname === undefined ? undefined : checkHostname(opts.hostname)
  return withTreeLock(ctx, async () => {
    await replayMasterJournalLocked(ctx, opts)
    const root = rootDir(ctx.config, name)
    try { await access(root) } catch {
      throw new NotFoundError(`no instance ${name}: ${root} does not exist`, { suggestion: 'see `sidus list`' })
    }
    const masters = await readMasters(ctx.config)
    const other = Object.values(masters).find((m) => m.mac === mac && m.instance !== name)
    if (other) {
      throw new ConflictError(`${mac} is already the master of ${other.instance}: a MAC boots one root (its boot files are named by MAC)`, {
        suggestion: `unset it there first: sidus master unset ${other.instance}`,
      })
    }
    // the master is a node of the inventory: the machine's node if it has one, else a new one under its host name
    const inventory = await loadInventory(ctx.config)
    const node = inventory.nodes.find((n) => n.mac === mac)
    if (node && hostname !== undefined && hostname !== node.name) {
      throw new ConflictError(`${mac} is node ${node.name} of ${inventory.file}: its node name is its host name`, { suggestion: `leave --hostname out, or rename the node in ${inventory.file}` })
    }
    const previous = masters[name]
    const nodeName = node?.name ?? hostname ?? masterRoleName(name)
    // the previous master's role-named node goes with the change (masterChanges): its name is free
    const leaving = (n: { name: string; mac: string }) => n.name === masterRoleName(name) && n.mac === previous?.mac
    const namesake = inventory.nodes.find((n) => n.name === nodeName && n.mac !== mac && !leaving(n))
    if (namesake) {
      throw new ConflictError(`node ${nodeName} of ${inventory.file} is another machine (${namesake.mac})`, { suggestion: 'give the master another name with --hostname' })
    }
    const nodeIps = new Map(inventory.nodes.filter((n) => n.ip && n.mac !== mac && !leaving(n)).map((n) => [n.ip!, `node ${n.name}`]))
    const master: MasterEntry = {
      instance: name,
      mac,
      ip: opts.ip === undefined && node?.ip ? node.ip : masterAddress(ctx.config, masters, name, mac, opts.ip, nodeIps),
      hostname: nodeName,
      node: nodeName,
    }
    const r = await runTransition(ctx, { op: 'master-set', instance: name, target: master, previous: previous ?? null }, opts)
    return { master, previous, written: r.written, removed: r.removed, servicesSkipped: r.services }
  })
}

export interface UnsetMasterResult { instance: string; previous?: MasterEntry; removed: string[]; servicesSkipped?: string }

/** The root has no read-write machine any more: per-MAC files, registry entry and (through the services) rw export go. */
export async function unsetMaster(ctx: Ctx, name: string, opts: { servicesRoot?: string } = {}): Promise<UnsetMasterResult> {
  checkInstanceName(name)
  return withTreeLock(ctx, async () => {
    await replayMasterJournalLocked(ctx, opts)
    const previous = (await readMasters(ctx.config))[name]
    if (!previous) return { instance: name, removed: [] }
    const r = await runTransition(ctx, { op: 'master-unset', instance: name, target: null, previous }, opts)
    return { instance: name, previous, removed: r.removed, servicesSkipped: r.services }
  })
}

/** For `sidus delete`: drop the instance's master if it has one; true when it had. */
export async function forgetMaster(ctx: Ctx, name: string): Promise<boolean> {
  return (await unsetMaster(ctx, name)).previous !== undefined
}

export interface MasterView extends MasterEntry {
  /** the per-MAC files and whether each is in the tree */
  files: { path: string; present: boolean }[]
}

/**
 * The masters (of one instance, or all). A change left half done by a killed sidus is
 * completed first when we may write; otherwise it is reported as pending.
 */
export async function showMasters(ctx: Ctx, name?: string): Promise<{ masters: MasterView[]; pending?: string }> {
  if (name !== undefined) checkInstanceName(name)
  let pending: string | undefined
  const journal = await readMasterJournal(ctx.config)
  if (journal) {
    try {
      await withTreeLock(ctx, () => replayMasterJournalLocked(ctx))
    } catch (error) {
      pending = `an interrupted ${journal.op.replace('-', ' ')} of ${journal.instance} is pending (${(error as Error).message}); run sidus master show as root to complete it`
    }
  }
  const masters = await readMasters(ctx.config)
  const out: MasterView[] = []
  for (const m of Object.values(masters).sort((a, b) => a.instance.localeCompare(b.instance))) {
    if (name !== undefined && m.instance !== name) continue
    const files = []
    for (const p of Object.values(masterFiles(m.mac))) {
      files.push({ path: p, present: await access(path.join(ctx.config.paths.tftp, p)).then(() => true, () => false) })
    }
    out.push({ ...m, files })
  }
  return { masters: out, pending }
}

/**
 * Whether a machine boots this root read-write (its master): that machine edits the live
 * generation directly, so a stage copied now would miss its later writes and a promote would
 * swap the root from under it. The one question generations ask about masters.
 */
export async function instanceHasRwNode(ctx: Pick<Ctx, 'config'>, name: string): Promise<MasterEntry | undefined> {
  return (await readMasters(ctx.config))[checkInstanceName(name)]
}
