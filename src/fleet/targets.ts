import { readFile } from 'node:fs/promises'
import type { Ctx } from '../context.js'
import { loadInventory } from '../inventory/file.js'
import { resolveNode } from '../inventory/model.js'
import { defaultLeaseFile, parseDnsmasqLeases, parseIscLeases, type Lease } from '../nodes/discover.js'
import { selectNodes } from '../nodes/service.js'
import { resolveInstance } from '../instances/current.js'

/** A node the fleet code talks to: its address from the inventory, else from its DHCP lease. */
export interface NodeTarget {
  name: string
  mac: string
  address?: string
  addressFrom?: 'inventory' | 'lease'
  /** the instance it is assigned (its own, its group's, else the default one) */
  instance?: string
}

/** The nodes of a set (all without one), in the order named, each with the address to reach it by. */
export async function resolveTargets(ctx: Pick<Ctx, 'config'>, set?: string, opts: { leaseFile?: string } = {}): Promise<NodeTarget[]> {
  const inventory = await loadInventory(ctx.config)
  const nodes = set === undefined ? inventory.nodes : selectNodes(inventory, set)
  const needLeases = nodes.some((n) => n.ip === undefined)
  const leases = needLeases ? await latestLeases(opts.leaseFile ?? defaultLeaseFile(ctx.config)) : new Map<string, Lease>()
  const fallback = await resolveInstance(ctx.config, undefined).then((i) => i.name, () => undefined)
  return nodes.map((entry) => {
    const n = resolveNode(inventory, entry)
    const lease = n.ip === undefined ? leases.get(n.mac) : undefined
    return {
      name: n.name,
      mac: n.mac,
      address: n.ip ?? lease?.ip,
      addressFrom: n.ip !== undefined ? 'inventory' : lease ? 'lease' : undefined,
      instance: n.instance ?? fallback,
    }
  })
}

/** Each MAC's latest lease; none when the DHCP server has no lease file (not an error: a row says "no address"). */
async function latestLeases(file: string): Promise<Map<string, Lease>> {
  let text: string
  try { text = await readFile(file, 'utf8') } catch { return new Map() }
  const leases = /lease\s+[\d.]+\s*\{/.test(text) ? parseIscLeases(text) : parseDnsmasqLeases(text)
  const latest = new Map<string, Lease>()
  for (const l of leases) if ((latest.get(l.mac)?.at ?? -1) <= l.at) latest.set(l.mac, l)
  return latest
}
