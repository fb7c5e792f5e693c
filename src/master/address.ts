import type { SidusConfig } from '../config/schema.js'
import { broadcastOf, canonicalIpv4, formatIpv4, parseCidr, parseIpv4 } from '../config/net.js'
import { fixedAddressProblem, type AddressProblem } from '../config/addresses.js'
import { ConflictError, UsageError } from '../errors.js'
import type { MasterRegistry } from '../state/masters.js'

/**
 * The rules for a master's address, for `master set` (which refuses) and `doctor` (which
 * reports): a client leasing it while the master is off would get its rw,no_root_squash export.
 */
export function masterAddressProblem(config: SidusConfig, ip: string): AddressProblem | undefined {
  return fixedAddressProblem(config, ip, "the master's read-write export")
}

/**
 * The master's fixed address, in canonical form: the one asked for, checked, or — as SIDUS
 * used .253 next to the server's .254 — the highest free address of server.network (nodes' and
 * other masters' addresses are taken).
 */
export function masterAddress(config: SidusConfig, masters: MasterRegistry, instance: string, mac: string, requested?: string, nodeIps: Map<string, string> = new Map()): string {
  const taken = new Map<string, string>(nodeIps)
  for (const m of Object.values(masters)) if (m.ip && m.instance !== instance) taken.set(m.ip, `the master of ${m.instance}`)

  if (requested !== undefined) {
    const problem = masterAddressProblem(config, requested)
    if (problem) throw new (problem.kind === 'usage' ? UsageError : ConflictError)(problem.message, { suggestion: problem.fix })
    const ip = (canonicalIpv4(requested) as { ip: string }).ip
    const owner = taken.get(ip)
    if (owner) throw new ConflictError(`${ip} is already the address of ${owner}`, { suggestion: 'pick another address with --ip' })
    return ip
  }
  const previous = masters[instance]
  if (previous?.ip && previous.mac === mac && !masterAddressProblem(config, previous.ip)) return previous.ip
  const net = parseCidr(config.server.network)!
  for (let a = parseIpv4(broadcastOf(net))! - 1; a > net.network; a--) {
    const ip = formatIpv4(a)
    if (!taken.has(ip) && !masterAddressProblem(config, ip)) return ip
  }
  throw new ConflictError(`no free address left in ${config.server.network} outside the DHCP pool for a master`, { suggestion: 'give one with --ip, or narrow dhcp.range' })
}

/** An RFC 1123 host name label. */
export function checkHostname(hostname: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(hostname)) {
    throw new UsageError(`invalid host name ${JSON.stringify(hostname)}`, { suggestion: 'letters, digits and -, at most 63 characters, not starting or ending with -' })
  }
  return hostname.toLowerCase()
}
