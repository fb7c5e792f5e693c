import { firmwareBootFiles } from '../domain/tftp.js'
import type { ServerModel } from './model.js'
import { renderTemplate, serviceTemplate } from './template.js'
import { dhcpRange } from '../config/addresses.js'
import { hostLabel, httpBootUrl, leaseSeconds, mastersWithAddress, network, nodeHosts } from './values.js'

/** Where the ISC include lives, and the line dhcpd.conf needs to read it. */
export const ISC_INCLUDE_FILE = '/etc/dhcp/dhcpd.sidus.conf'
export const iscIncludeLine = (file = ISC_INCLUDE_FILE) => `include "${file}";`

/**
 * The ISC dhcpd include for the boot network: SIDUS's option architecture-type mapping
 * (firmwareBootFiles: BIOS, EFI x64, EFI ia32; with ipxe-http, iPXE's user class first
 * gets the HTTP script URL), next-server, the subnet and
 * range, and a host entry with a fixed address for each master.
 */
export function renderIscDhcp(model: ServerModel): string {
  const net = network(model.config)
  return renderTemplate(serviceTemplate('dhcpd.sidus.conf.tmpl'), {
    network: net.base,
    netmask: net.netmask,
    range: dhcpRange(model.config),
    leaseSeconds: leaseSeconds(model.config),
    server: model.config.server.address,
    boot: firmwareBootFiles(model.config.boot.loader),
    httpUrl: httpBootUrl(model.config) ?? false,
    masters: mastersWithAddress(model).map((m) => ({ instance: m.instance, mac: m.mac, ip: m.ip, host: `sidus-${hostLabel(m)}` })),
    nodes: nodeHosts(model),
  }, 'dhcpd.sidus.conf.tmpl')
}

/** dhcpd.conf with the include line added at the end (unchanged when it is there already). */
export function withIscInclude(dhcpdConf: string | undefined, file = ISC_INCLUDE_FILE): string {
  const line = iscIncludeLine(file)
  const text = dhcpdConf ?? ''
  if (text.split('\n').some((l) => l.trim() === line)) return text
  return `${text}${text && !text.endsWith('\n') ? '\n' : ''}# added by sidus: the boot network\n${line}\n`
}
