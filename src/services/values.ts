import type { SidusConfig } from '../config/schema.js'
import { formatIpv4, inCidr, netmaskOf, parseCidr, parseIpv4, type Cidr } from '../config/net.js'
import { ConfigError } from '../errors.js'
import type { ServerModel } from './model.js'
import type { MasterEntry } from '../state/masters.js'
import { HTTP_BOOT_SCRIPT } from '../domain/tftp.js'

/** Values shared by the renderers, derived from the model and checked once. */

export function network(config: SidusConfig): Cidr & { text: string; base: string; netmask: string } {
  const cidr = parseCidr(config.server.network)
  if (!cidr) throw new ConfigError(`server.network ${config.server.network} is not a CIDR network`, { suggestion: 'write it like 10.20.17.0/24' })
  return { ...cidr, text: `${formatIpv4(cidr.network)}/${cidr.prefix}`, base: formatIpv4(cidr.network), netmask: netmaskOf(cidr) }
}

const LEASE = /^(\d+)([smhdw]?)$/
const UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/** dhcp.lease as dnsmasq writes it (12h, 45m, infinite). */
export function leaseText(config: SidusConfig): string {
  const lease = config.dhcp.lease.trim()
  if (lease === 'infinite' || LEASE.test(lease)) return lease
  throw new ConfigError(`dhcp.lease ${JSON.stringify(config.dhcp.lease)} is not a lease time`, { suggestion: 'use seconds or a number with s, m, h, d or w (e.g. 12h), or infinite' })
}

/** dhcp.lease in seconds, as ISC dhcpd wants it (infinite = 0xffffffff). */
export function leaseSeconds(config: SidusConfig): number {
  const lease = leaseText(config)
  if (lease === 'infinite') return 4294967295
  const m = LEASE.exec(lease)!
  return Number(m[1]) * UNIT[m[2]]
}

/** A path written into a service config: absolute, no whitespace, quotes or control characters. */
export function plainPath(value: string, key: string): string {
  if (!value.startsWith('/') || /[\s"'\\#;{}()]/.test(value)) {
    throw new ConfigError(`${key} ${JSON.stringify(value)} cannot be written into the service configs`, { suggestion: 'use an absolute path without spaces, quotes or #;{}()' })
  }
  return value
}

/** The master of each root that has one and an address, with the address checked. */
export function mastersWithAddress(model: ServerModel): (MasterEntry & { ip: string })[] {
  const net = network(model.config)
  const out: (MasterEntry & { ip: string })[] = []
  for (const name of model.instances) {
    const m = model.masters[name]
    if (!m?.ip) continue
    const ip = parseIpv4(m.ip)
    if (ip === undefined || !inCidr(ip, net)) {
      throw new ConfigError(`the master of ${name} (${m.mac}) has address ${m.ip}, which is not inside server.network ${model.config.server.network}`, {
        suggestion: `sidus master set ${name} ${m.mac} --ip <an address in ${model.config.server.network}>`,
      })
    }
    out.push({ ...m, instance: name, ip: m.ip })
  }
  return out
}

/** A DHCP host name from the master's hostname or the instance: letters, digits and dashes. */
export function hostLabel(m: MasterEntry): string {
  const name = m.hostname && /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(m.hostname) ? m.hostname : `${m.instance}-master`
  return name
}

/** Every file sidus writes carries this mark (apply keeps a copy of files without it). */
export const MANAGED_MARK = 'Managed by sidus'

/** Where the hosts file of the boot network's machines lives on the server (dnsmasq reads it with addn-hosts). */
export const HOSTS_FILE = '/etc/sidus/hosts'

/** A node's DHCP reservation and name: the inventory's nodes, but for a master's MAC (its own entry serves it). */
export interface NodeHost { name: string; mac: string; ip?: string }

export function nodeHosts(model: ServerModel): NodeHost[] {
  const masterMacs = new Set(Object.values(model.masters).map((m) => m.mac))
  return (model.nodes ?? []).filter((n) => !masterMacs.has(n.mac)).map((n) => ({ name: n.name, mac: n.mac, ip: n.ip }))
}

/** /etc/hosts lines for every named machine with an address: the masters, then the nodes. */
export function renderHosts(model: ServerModel): string {
  const lines = [`# ${MANAGED_MARK} (sidus server apply overwrites edits): the boot network's machines, from the`,
    '# masters and the node inventory (nodes.yaml). dnsmasq serves it (addn-hosts); add it to your DNS otherwise.']
  for (const m of mastersWithAddress(model)) lines.push(`${m.ip}\t${hostLabel(m)}`)
  for (const n of nodeHosts(model)) if (n.ip) lines.push(`${n.ip}\t${n.name}`)
  return `${lines.join('\n')}\n`
}

/** http.port: sidus serve's port on server.address (validated by the config loader) */
export function httpPort(config: SidusConfig): number {
  const port = config.http.port
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`http.port ${port} is not a TCP port`, { suggestion: 'use a number from 1 to 65535 (default 8470)' })
  }
  return port
}

/**
 * Where sidus serve listens: on server.address:http.port, or behind nginx (http.static: nginx) on
 * 127.0.0.1:http.serve_port (default http.port + 1), reached only through nginx's /ipxe/ proxy.
 */
export function serveListen(config: SidusConfig): { address: string; port: number; behindNginx: boolean } {
  const port = httpPort(config)
  if (config.http.static !== 'nginx') return { address: config.server.address, port, behindNginx: false }
  const servePort = config.http.serve_port ?? port + 1
  if (!Number.isInteger(servePort) || servePort < 1 || servePort > 65535 || servePort === port) {
    throw new ConfigError(`http.serve_port ${servePort} is not a TCP port other than http.port ${port}`, { suggestion: 'set http.serve_port to a free port, e.g. 8471' })
  }
  return { address: '127.0.0.1', port: servePort, behindNginx: true }
}

/** The URL DHCP hands iPXE with boot.loader ipxe-http (none with pxelinux: iPXE then gets sidus.ipxe by TFTP). */
export function httpBootUrl(config: SidusConfig): string | undefined {
  if (config.boot.loader !== 'ipxe-http') return undefined
  const server = config.server.address
  if (parseIpv4(server) === undefined) throw new ConfigError(`server.address ${server} is not an IPv4 address`)
  return `http://${server}:${httpPort(config)}/${HTTP_BOOT_SCRIPT}`
}
