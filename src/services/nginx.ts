import type { SidusConfig } from '../config/schema.js'
import { ConfigError } from '../errors.js'
import { parseIpv4 } from '../config/net.js'
import { renderTemplate, serviceTemplate } from './template.js'
import { plainPath, serveListen } from './values.js'

/** nginx's site for http.static nginx: a drop-in Debian's nginx.conf includes (conf.d/*.conf). */
export const NGINX_SITE_FILE = '/etc/nginx/conf.d/sidus.conf'

/** The site: the TFTP tree read-only on server.address:http.port, /ipxe/ proxied to sidus serve. */
export function renderNginxSite(config: SidusConfig): string {
  const address = config.server.address
  if (parseIpv4(address) === undefined) throw new ConfigError(`server.address ${address} is not an IPv4 address`)
  const serve = serveListen(config)
  return renderTemplate(serviceTemplate('nginx-sidus.conf.tmpl'), {
    address,
    port: config.http.port,
    tftp: plainPath(config.paths.tftp, 'paths.tftp'),
    servePort: serve.port,
  }, 'nginx-sidus.conf.tmpl')
}
