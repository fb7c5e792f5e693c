import type { SidusConfig } from '../config/schema.js'
import { broadcastOf, canonicalIpv4, formatIpv4, inCidr, parseCidr, parseIpv4 } from '../config/net.js'
import { servedPool } from '../services/values.js'
import { ConflictError, UsageError } from '../errors.js'
import type { MasterRegistry } from '../state/masters.js'

/** What is wrong with an address for a master, with its fix; undefined when it may be one. */
export interface AddressProblem { message: string; fix: string; kind: 'usage' | 'conflict' }

/**
 * The one set of rules for a master's address, for `master set` (which refuses) and `doctor`
 * (which reports): canonical form, inside server.network, a host address, not the server's, and
 * outside the pool the rendered DHCP configs hand out (default pool included): a client leasing
 * it while the master is off would get the master's rw,no_root_squash export.
 */
export function masterAddressProblem(config: SidusConfig, ip: string): AddressProblem | undefined {
  const canon = canonicalIpv4(ip)
  if ('problem' in canon) return { kind: 'usage', message: `invalid address ${JSON.stringify(ip)}: ${canon.problem}`, fix: 'give an IPv4 address such as 10.20.17.253' }
  const net = parseCidr(config.server.network)!
  const addr = parseIpv4(canon.ip)!
  const broadcast = parseIpv4(broadcastOf(net))!
  if (!inCidr(addr, net)) return { kind: 'usage', message: `${canon.ip} is not inside server.network ${config.server.network}`, fix: `pick an address in ${config.server.network}` }
  if (addr === net.network || addr === broadcast) return { kind: 'usage', message: `${canon.ip} is the network's ${addr === broadcast ? 'broadcast' : 'network'} address`, fix: 'pick a host address' }
  if (addr === parseIpv4(config.server.address)) return { kind: 'usage', message: `${canon.ip} is the server's own address (server.address)`, fix: 'pick another address for the master' }
  const pool = servedPool(config)
  if (pool && addr >= parseIpv4(pool.start)! && addr <= parseIpv4(pool.end)!) {
    const which = config.dhcp.range ? 'dhcp.range' : 'the default pool (dhcp.range unset)'
    return {
      kind: 'usage',
      message: `${canon.ip} lies in the DHCP pool ${pool.start}-${pool.end} (${which}): another client could lease it and get the master's read-write export`,
      fix: `pick a fixed address outside ${pool.start}-${pool.end}, or set dhcp.range to leave it out`,
    }
  }
  return undefined
}

/**
 * The master's fixed address, in canonical form: the one asked for, checked, or — as SIDUS
 * used .253 next to the server's .254 — the highest free address of server.network.
 */
export function masterAddress(config: SidusConfig, masters: MasterRegistry, instance: string, mac: string, requested?: string): string {
  const taken = new Map<string, string>()
  for (const m of Object.values(masters)) if (m.ip && m.instance !== instance) taken.set(m.ip, m.instance)

  if (requested !== undefined) {
    const problem = masterAddressProblem(config, requested)
    if (problem) throw new (problem.kind === 'usage' ? UsageError : ConflictError)(problem.message, { suggestion: problem.fix })
    const ip = (canonicalIpv4(requested) as { ip: string }).ip
    const owner = taken.get(ip)
    if (owner) throw new ConflictError(`${ip} is already the address of the master of ${owner}`, { suggestion: 'pick another address with --ip' })
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
