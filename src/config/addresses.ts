import { broadcastOf, canonicalIpv4, formatIpv4, inCidr, parseCidr, parseIpv4 } from './net.js'
import type { SidusConfig } from './schema.js'
import { ConfigError } from '../errors.js'

/**
 * Addresses on the boot network, derived from the config alone: the DHCP pool the rendered
 * configs hand out, and the rules a fixed address (a master's, a node's) must follow.
 */

/**
 * The dynamic DHCP range: dhcp.range, or the upper half of server.network up to 15
 * addresses below the broadcast address (left for fixed addresses: SIDUS's server
 * is .254 and its master .253), without the server's own address at either end.
 */
export function dhcpRange(config: SidusConfig): { start: string; end: string } {
  if (config.dhcp.range) return config.dhcp.range
  const net = parseCidr(config.server.network)
  if (!net) throw new ConfigError(`server.network ${config.server.network} is not a CIDR network`, { suggestion: 'write it like 10.20.17.0/24' })
  const size = 2 ** (32 - net.prefix)
  if (size < 8) throw new ConfigError(`server.network ${config.server.network} is too small for a DHCP range`, { suggestion: 'set dhcp.range explicitly' })
  let start = net.network + size / 2
  let end = net.network + size - (size >= 64 ? 16 : 2)
  const server = parseIpv4(config.server.address)
  if (server === end) end--
  if (server === start) start++
  return { start: formatIpv4(start >>> 0), end: formatIpv4(end >>> 0) }
}

/**
 * The pool the rendered DHCP configs hand out: dhcp.range or the default one, in the modes where
 * sidus renders a pool (isc, dnsmasq); none in proxy mode, where the site's DHCP server gives addresses.
 */
export function servedPool(config: SidusConfig): { start: string; end: string } | undefined {
  return config.dhcp.mode === 'proxy' ? undefined : dhcpRange(config)
}

/** What is wrong with a fixed address, with its fix; undefined when it may be one. */
export interface AddressProblem { message: string; fix: string; kind: 'usage' | 'conflict' }

/**
 * The one set of rules for a fixed address (a master's, a node's): canonical form, inside
 * server.network, a host address, not the server's, and outside the pool the rendered DHCP
 * configs hand out (default pool included), where another client could lease it.
 * `risk` says what that client would get (the master's read-write export, say).
 */
export function fixedAddressProblem(config: SidusConfig, ip: string, risk = 'its DHCP reservation'): AddressProblem | undefined {
  const canon = canonicalIpv4(ip)
  if ('problem' in canon) return { kind: 'usage', message: `invalid address ${JSON.stringify(ip)}: ${canon.problem}`, fix: 'give an IPv4 address such as 10.20.17.253' }
  const net = parseCidr(config.server.network)!
  const addr = parseIpv4(canon.ip)!
  const broadcast = parseIpv4(broadcastOf(net))!
  if (!inCidr(addr, net)) return { kind: 'usage', message: `${canon.ip} is not inside server.network ${config.server.network}`, fix: `pick an address in ${config.server.network}` }
  if (addr === net.network || addr === broadcast) return { kind: 'usage', message: `${canon.ip} is the network's ${addr === broadcast ? 'broadcast' : 'network'} address`, fix: 'pick a host address' }
  if (addr === parseIpv4(config.server.address)) return { kind: 'usage', message: `${canon.ip} is the server's own address (server.address)`, fix: 'pick another address' }
  const pool = servedPool(config)
  if (pool && addr >= parseIpv4(pool.start)! && addr <= parseIpv4(pool.end)!) {
    const which = config.dhcp.range ? 'dhcp.range' : 'the default pool (dhcp.range unset)'
    return {
      kind: 'usage',
      message: `${canon.ip} lies in the DHCP pool ${pool.start}-${pool.end} (${which}): another client could lease it and get ${risk}`,
      fix: `pick a fixed address outside ${pool.start}-${pool.end}, or set dhcp.range to leave it out`,
    }
  }
  return undefined
}
