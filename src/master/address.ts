import type { SidusConfig } from '../config/schema.js'
import { broadcastOf, formatIpv4, parseCidr, parseIpv4 } from '../config/net.js'
import { ConflictError, UsageError } from '../errors.js'
import type { MasterRegistry } from '../state/masters.js'

/**
 * The master's fixed address: the one asked for, checked, or — as SIDUS used .253 next
 * to the server's .254 — the highest free address of server.network.
 */
export function masterAddress(config: SidusConfig, masters: MasterRegistry, instance: string, mac: string, requested?: string): string {
  const net = parseCidr(config.server.network)!
  const server = parseIpv4(config.server.address)!
  const broadcast = parseIpv4(broadcastOf(net))!
  const range = config.dhcp.range ? [parseIpv4(config.dhcp.range.start)!, parseIpv4(config.dhcp.range.end)!] : undefined
  const taken = new Map<number, string>()
  for (const m of Object.values(masters)) if (m.ip && m.instance !== instance) taken.set(parseIpv4(m.ip)!, m.instance)
  const inRange = (a: number) => range !== undefined && a >= range[0] && a <= range[1]

  if (requested !== undefined) {
    const addr = parseIpv4(requested)
    if (addr === undefined) throw new UsageError(`invalid address ${JSON.stringify(requested)}`, { suggestion: 'give an IPv4 address such as 10.20.17.253' })
    if (((addr & net.mask) >>> 0) !== net.network) {
      throw new UsageError(`${requested} is not inside server.network ${config.server.network}`, { suggestion: `pick an address in ${config.server.network}` })
    }
    if (addr === net.network || addr === broadcast) throw new UsageError(`${requested} is the network's ${addr === broadcast ? 'broadcast' : 'network'} address`, { suggestion: 'pick a host address' })
    if (addr === server) throw new UsageError(`${requested} is the server's own address (server.address)`, { suggestion: 'pick another address for the master' })
    if (inRange(addr)) {
      throw new UsageError(`${requested} lies in the DHCP pool ${config.dhcp.range!.start}-${config.dhcp.range!.end}: another client could get it`, {
        suggestion: 'pick a fixed address outside dhcp.range',
      })
    }
    const owner = taken.get(addr)
    if (owner) throw new ConflictError(`${requested} is already the address of the master of ${owner}`, { suggestion: 'pick another address with --ip' })
    return requested
  }
  const previous = masters[instance]
  if (previous?.ip && previous.mac === mac) return previous.ip
  for (let a = broadcast - 1; a > net.network; a--) {
    if (a !== server && !inRange(a) && !taken.has(a)) return formatIpv4(a)
  }
  throw new ConflictError(`no free address left in ${config.server.network} for a master`, { suggestion: 'give one with --ip' })
}

/** An RFC 1123 host name label. */
export function checkHostname(hostname: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(hostname)) {
    throw new UsageError(`invalid host name ${JSON.stringify(hostname)}`, { suggestion: 'letters, digits and -, at most 63 characters, not starting or ending with -' })
  }
  return hostname.toLowerCase()
}
