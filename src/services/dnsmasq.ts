import { parseIpv4 } from '../config/net.js'
import { ConfigError } from '../errors.js'
import { DHCP_BOOT_FILES, firmwareBootFiles } from '../domain/tftp.js'
import type { ServerModel } from './model.js'
import { renderTemplate, serviceTemplate } from './template.js'
import { dhcpRange } from '../config/addresses.js'
import { hostLabel, HOSTS_FILE, httpBootUrl, leaseText, mastersWithAddress, network, nodeHosts, plainPath } from './values.js'

export interface DnsmasqOptions {
  /** 'dnsmasq': full DHCP; 'proxy': proxy DHCP beside another DHCP server; 'tftp': TFTP only (DHCP is ISC's) */
  mode: 'dnsmasq' | 'proxy' | 'tftp'
  /** serve paths.tftp with dnsmasq's own TFTP server */
  tftp: boolean
  /** serve this interface only (default: server.interface; none = every interface) */
  interface?: string
  /** extra configuration lines, appended as given */
  extra?: string[]
  /** keep dnsmasq's DNS service (default: on in full mode, where the admin's dnsmasq may serve DNS; off otherwise) */
  dns?: boolean
}

/** A dnsmasq configuration for the boot network (a drop-in for /etc/dnsmasq.d, or a whole --conf-file). */
export function renderDnsmasq(model: ServerModel, opts: DnsmasqOptions): string {
  const config = model.config
  const net = network(config)
  const iface = opts.interface ?? config.server.interface
  if (iface !== undefined && !/^[A-Za-z0-9_.:@-]{1,15}$/.test(iface)) {
    throw new ConfigError(`interface ${JSON.stringify(iface)} is not a network interface name`, { suggestion: 'see `ip link` for the names' })
  }
  for (const line of opts.extra ?? []) {
    if (/[\r\n]/.test(line)) throw new ConfigError(`extra dnsmasq line ${JSON.stringify(line)} spans several lines`)
  }
  const server = config.server.address
  if (parseIpv4(server) === undefined) throw new ConfigError(`server.address ${server} is not an IPv4 address`)
  const common = {
    interface: iface ?? false,
    dns: opts.dns ?? opts.mode === 'dnsmasq',
    tftp: opts.tftp,
    tftpRoot: opts.tftp || opts.mode === 'tftp' ? plainPath(config.paths.tftp, 'paths.tftp') : '',
    boot: { ...DHCP_BOOT_FILES, ...firmwareBootFiles(config.boot.loader) },
    httpUrl: httpBootUrl(config) ?? false,
    notIpxe: httpBootUrl(config) ? 'tag:!ipxe,' : '',
    server,
    network: net.base,
    netmask: net.netmask,
    extra: (opts.extra ?? []).map((line) => ({ line })),
  }
  if (opts.mode === 'tftp') return renderTemplate(serviceTemplate('dnsmasq-tftp.conf.tmpl'), common, 'dnsmasq-tftp.conf.tmpl')
  if (opts.mode === 'proxy') {
    return renderTemplate(serviceTemplate('dnsmasq-proxy.conf.tmpl'), {
      ...common,
      // another TFTP server on this host: tell clients where (dnsmasq serves it itself otherwise)
      tftpServer: opts.tftp ? '' : `,${server}`,
      // iPXE's script: over HTTP from sidus serve (a URL needs no server), or sidus.ipxe by TFTP
      ipxeScript: httpBootUrl(config) ?? `${DHCP_BOOT_FILES.ipxeScript}${opts.tftp ? '' : `,${server}`}`,
      nodeCount: model.nodes?.length ?? 0,
    }, 'dnsmasq-proxy.conf.tmpl')
  }
  return renderTemplate(serviceTemplate('dnsmasq.conf.tmpl'), {
    ...common,
    range: dhcpRange(config),
    lease: leaseText(config),
    masters: mastersWithAddress(model).map((m) => ({ instance: m.instance, mac: m.mac, ip: m.ip, host: hostLabel(m) })),
    // dhcp-host: the MAC, its fixed address when it has one, its name
    nodes: nodeHosts(model).map((n) => ({ ...n, address: n.ip ? `,${n.ip}` : '' })),
    hostsFile: nodeHosts(model).length > 0 || Object.keys(model.masters).length > 0 ? HOSTS_FILE : '',
  }, 'dnsmasq.conf.tmpl')
}
