import { broadcastOf, formatIpv4, inCidr, parseCidr, parseIpv4 } from '../config/net.js'
import type { BootMode, SidusConfig } from '../config/schema.js'
import { ConflictError, UsageError } from '../errors.js'
import { parseMac } from '../domain/mac.js'
import { dhcpRange } from '../services/values.js'
import { checkInstanceName } from '../domain/instance-name.js'
import type { Inventory, NodeEntry } from './model.js'

/**
 * The rules a node must follow, one function each, throwing the one-line refusal with its fix.
 * The file loader puts file:line in front; the commands show them as they are.
 */

/** A node name is its host name: an RFC 1123 label, lower case. */
export function checkNodeName(name: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) {
    throw new UsageError(`${JSON.stringify(name)} is not a valid host name for a node`, {
      suggestion: 'use lower-case letters, digits and -, at most 63 characters, not starting or ending with - (e.g. n001)',
    })
  }
  return name
}

export function checkGroupName(name: string): string {
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(name)) {
    throw new UsageError(`${JSON.stringify(name)} is not a valid group name`, { suggestion: 'start with a lower-case letter; letters, digits, - and _, at most 32 characters' })
  }
  return name
}

export const checkNodeMac = (mac: string): string => parseMac(mac)

const MODES: BootMode[] = ['overlay', 'aufs', 'rw']
export function checkMode(mode: string): BootMode {
  if (!MODES.includes(mode as BootMode)) throw new UsageError(`boot mode ${JSON.stringify(mode)} is not one of ${MODES.join(', ')}`, { suggestion: 'use overlay (tmpfs over the read-only root), aufs, or rw (the instance\'s master)' })
  return mode as BootMode
}

export function checkTmpfsSize(size: string): string {
  if (!/^\d+(%|[kKmMgG])?$/.test(size)) throw new UsageError(`tmpfs size ${JSON.stringify(size)} is not a size`, { suggestion: 'write it like 50% or 2G' })
  return size
}

/** Kernel arguments go on one command line: no line breaks or control characters. */
export function checkExtraArgs(args: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(args)) throw new UsageError('extra_args holds a line break or control character', { suggestion: 'give the kernel arguments on one line, separated by spaces' })
  return args.trim()
}

export const checkNodeInstance = (name: string): string => checkInstanceName(name)

/** The addresses a node may not take: the network's own, the server's, the DHCP pool sidus hands out. */
export function checkNodeIp(config: SidusConfig, text: string): string {
  const addr = parseIpv4(text)
  if (addr === undefined) throw new UsageError(`${JSON.stringify(text)} is not an IPv4 address`, { suggestion: 'write it like 10.20.17.11' })
  const canonical = formatIpv4(addr)
  if (canonical !== text) throw new UsageError(`${JSON.stringify(text)} is not written the one way every DHCP server and NFS export reads alike`, { suggestion: `write it as ${canonical}` })
  const net = parseCidr(config.server.network)!
  if (!inCidr(addr, net)) throw new UsageError(`${text} is outside server.network ${config.server.network}`, { suggestion: `pick an address in ${config.server.network} (or leave --ip out: sidus picks the next free one)` })
  if (addr === net.network || canonical === broadcastOf(net)) throw new UsageError(`${text} is the network's ${addr === net.network ? 'network' : 'broadcast'} address`, { suggestion: 'pick a host address' })
  if (canonical === config.server.address) throw new UsageError(`${text} is the server's own address (server.address)`, { suggestion: 'pick another address' })
  const pool = dhcpPool(config)
  if (pool && addr >= pool.start && addr <= pool.end) {
    throw new UsageError(`${text} lies in the DHCP pool ${formatIpv4(pool.start)}-${formatIpv4(pool.end)}: a client without a reservation could lease it`, {
      suggestion: 'pick an address outside the pool (or leave --ip out: sidus picks the next free one)',
    })
  }
  return canonical
}

/** The dynamic pool the rendered DHCP configs hand out; none in proxy mode (the site's DHCP server owns addresses). */
export function dhcpPool(config: SidusConfig): { start: number; end: number } | undefined {
  if (config.dhcp.mode === 'proxy') return undefined
  const range = dhcpRange(config)
  return { start: parseIpv4(range.start)!, end: parseIpv4(range.end)! }
}

/** Addresses and MACs already used by other nodes (and by masters not yet in the inventory). */
export interface Taken { macs: Map<string, string>; ips: Map<string, string> }

export function takenBy(inventory: Inventory, except?: string, extra: { mac: string; ip?: string; owner: string }[] = []): Taken {
  const macs = new Map<string, string>()
  const ips = new Map<string, string>()
  for (const n of inventory.nodes) {
    if (n.name === except) continue
    macs.set(n.mac, `node ${n.name}`)
    if (n.ip) ips.set(n.ip, `node ${n.name}`)
  }
  for (const e of extra) {
    if (!macs.has(e.mac)) macs.set(e.mac, e.owner)
    if (e.ip && !ips.has(e.ip)) ips.set(e.ip, e.owner)
  }
  return { macs, ips }
}

export function checkUnique(node: Pick<NodeEntry, 'name' | 'mac' | 'ip'>, taken: Taken): void {
  const macOwner = taken.macs.get(node.mac)
  if (macOwner) throw new ConflictError(`MAC ${node.mac} of ${node.name} is already ${macOwner}'s`, { suggestion: `check the MAC, or change ${macOwner} first` })
  const ipOwner = node.ip ? taken.ips.get(node.ip) : undefined
  if (ipOwner) throw new ConflictError(`address ${node.ip} of ${node.name} is already ${ipOwner}'s`, { suggestion: 'pick another address, or leave --ip out: sidus picks the next free one' })
}

/**
 * Picks the lowest addresses of server.network that nothing uses and the DHCP pool does not
 * cover, one after the other (an import of 480 nodes walks the network once, not 480 times).
 */
export function addressPicker(config: SidusConfig, taken: Taken, alsoTaken: Set<string> = new Set()): () => string {
  const net = parseCidr(config.server.network)!
  const broadcast = parseIpv4(broadcastOf(net))!
  const pool = dhcpPool(config)
  const used = new Set([...taken.ips.keys(), ...alsoTaken, config.server.address].map((ip) => parseIpv4(ip)))
  let next = net.network + 1
  return () => {
    for (; next < broadcast; next++) {
      if (used.has(next) || (pool && next >= pool.start && next <= pool.end)) continue
      used.add(next)
      return formatIpv4(next++)
    }
    throw new ConflictError(`no free address left in ${config.server.network} outside the DHCP pool`, { suggestion: 'give addresses with --ip, or narrow dhcp.range in sidus.yaml' })
  }
}

/** The rule SIDUS is built on: at most one machine boots an instance read-write. */
export function checkOneRwPerInstance(nodes: { name: string; instance?: string; mode?: BootMode }[]): void {
  const rw = new Map<string, string>()
  for (const n of nodes) {
    if (n.mode !== 'rw') continue
    if (!n.instance) throw new UsageError(`node ${n.name} boots rw but names no instance`, { suggestion: `give it one: sidus node set ${n.name} --instance <name>` })
    const other = rw.get(n.instance)
    if (other) throw new ConflictError(`${n.name} and ${other} would both boot ${n.instance} read-write: one rw node per instance`, { suggestion: `make one of them overlay: sidus node set ${n.name} --mode overlay` })
    rw.set(n.instance, n.name)
  }
}
