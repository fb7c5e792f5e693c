import path from 'node:path'
import { ASSETS_DIR } from '../assets.js'
import type { SidusConfig } from '../config/schema.js'
import { renderTemplate, serviceTemplate } from './template.js'
import { plainPath, serveListen } from './values.js'
import { parseIpv4 } from '../config/net.js'
import { ConfigError } from '../errors.js'

/** The systemd unit of sidus serve, and the name systemctl knows it by. */
export const SERVE_UNIT = 'sidus-serve'
export const SERVE_UNIT_FILE = `/etc/systemd/system/${SERVE_UNIT}.service`

/** This sidus: the node running it and the package's bin/run.js (what the unit starts). */
export const THIS_SIDUS = { node: process.execPath, sidus: path.join(path.dirname(ASSETS_DIR), 'bin', 'run.js') }

/**
 * The unit that runs `sidus serve` on server.address:http.port with this config file.
 * The address and port are on the command line, so a change of either changes the
 * unit and apply restarts the service.
 */
export function renderServeUnit(config: SidusConfig, program = THIS_SIDUS): string {
  const address = config.server.address
  if (parseIpv4(address) === undefined) throw new ConfigError(`server.address ${address} is not an IPv4 address`)
  return renderTemplate(serviceTemplate('sidus-serve.service.tmpl'), {
    node: plainPath(program.node, 'the node program'),
    sidus: plainPath(program.sidus, 'the sidus program'),
    configFile: config.source ? plainPath(path.resolve(config.source), 'the config file') : false,
    // behind nginx (http.static nginx): on loopback, nginx passes it /ipxe/
    address: serveListen(config).address,
    port: serveListen(config).port,
  }, 'sidus-serve.service.tmpl')
}
