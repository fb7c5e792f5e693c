import { readFile } from 'node:fs/promises'
import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { NotFoundError, UsageError } from '../errors.js'
import { parseMac } from '../domain/mac.js'
import { readMasters } from '../inventory/masters.js'
import { loadInventory } from '../inventory/file.js'
import { expandNodeSet } from '../inventory/nodeset.js'
import { addNodes, type NodeWriteResult } from './service.js'

/** A machine that asked the DHCP server for an address. */
export interface Lease { mac: string; ip: string; hostname?: string; /** seconds since the epoch: when it asked (or when its lease ends, for dnsmasq) */ at: number }

/** Where the DHCP server of this config keeps its leases (Debian's paths). */
export function defaultLeaseFile(config: SidusConfig): string {
  return config.dhcp.leases ?? (config.dhcp.mode === 'isc' ? '/var/lib/dhcp/dhcpd.leases' : '/var/lib/misc/dnsmasq.leases')
}

/** dnsmasq's lease file: `<expiry> <mac> <ip> <hostname|*> <client-id|*>` a line. */
export function parseDnsmasqLeases(text: string): Lease[] {
  const out: Lease[] = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 4 || !/^\d+$/.test(f[0])) continue
    const mac = macOrUndefined(f[1])
    if (mac) out.push({ mac, ip: f[2], hostname: f[3] === '*' ? undefined : f[3], at: Number(f[0]) })
  }
  return out
}

/** ISC dhcpd.leases: `lease <ip> { starts N yyyy/mm/dd hh:mm:ss; hardware ethernet <mac>; client-hostname "x"; }`. */
export function parseIscLeases(text: string): Lease[] {
  const out: Lease[] = []
  for (const m of text.matchAll(/lease\s+([\d.]+)\s*\{([^}]*)\}/g)) {
    const body = m[2]
    const mac = macOrUndefined(/hardware ethernet\s+([0-9a-fA-F:]+);/.exec(body)?.[1] ?? '')
    if (!mac) continue
    const starts = /starts\s+\d+\s+(\d{4})\/(\d\d)\/(\d\d)\s+(\d\d):(\d\d):(\d\d);/.exec(body)
    const at = starts ? Date.UTC(+starts[1], +starts[2] - 1, +starts[3], +starts[4], +starts[5], +starts[6]) / 1000 : 0
    out.push({ mac, ip: m[1], hostname: /client-hostname\s+"([^"]*)";/.exec(body)?.[1], at })
  }
  return out
}

function macOrUndefined(text: string): string | undefined {
  try { return parseMac(text) } catch { return undefined }
}

export interface DiscoverResult { leaseFile: string; unknown: Lease[]; added?: NodeWriteResult }

/**
 * The MACs that asked for an address and that neither the inventory nor a master knows,
 * in the order they asked (each once, its latest lease). With `addPattern`, name them in
 * that order from the node set (n[101-140]) and add them, addresses chosen as `node add` does.
 */
export async function discoverNodes(ctx: Ctx, opts: { leaseFile?: string; addPattern?: string } = {}): Promise<DiscoverResult> {
  const leaseFile = opts.leaseFile ?? defaultLeaseFile(ctx.config)
  let text: string
  try {
    text = await readFile(leaseFile, 'utf8')
  } catch (error) {
    throw new NotFoundError(`cannot read the DHCP leases ${leaseFile} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      suggestion: 'give the DHCP server\'s lease file with --leases (dnsmasq: its --dhcp-leasefile; ISC: dhcpd.leases)',
    })
  }
  const leases = /lease\s+[\d.]+\s*\{/.test(text) ? parseIscLeases(text) : parseDnsmasqLeases(text)
  const inventory = await loadInventory(ctx.config)
  const known = new Set([...inventory.nodes.map((n) => n.mac), ...Object.values(await readMasters(ctx.config)).map((m) => m.mac)])
  const latest = new Map<string, Lease>()
  for (const l of leases) if (!known.has(l.mac) && (latest.get(l.mac)?.at ?? -1) <= l.at) latest.set(l.mac, l)
  const unknown = [...latest.values()].sort((a, b) => a.at - b.at)
  if (opts.addPattern === undefined) return { leaseFile, unknown }
  const names = expandNodeSet(opts.addPattern)
  if (unknown.length === 0) throw new UsageError(`no unknown machine in ${leaseFile}: nothing to add`, { suggestion: 'power the new machines on so they ask for an address, then run it again' })
  if (names.length < unknown.length) {
    throw new UsageError(`${opts.addPattern} names ${names.length} nodes for ${unknown.length} new machines`, { suggestion: 'give a node set with at least as many names' })
  }
  const added = await addNodes(ctx, unknown.map((l, i) => ({ name: names[i], mac: l.mac })))
  return { leaseFile, unknown, added }
}
