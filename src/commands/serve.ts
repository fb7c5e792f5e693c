import { Flags } from '@oclif/core'
import { once } from 'node:events'
import { SidusCommand } from '../base-command.js'
import { canonicalIpv4 } from '../config/net.js'
import { UsageError } from '../errors.js'
import { startBootServer } from '../serve/server.js'
import { serveListen } from '../services/values.js'

export default class Serve extends SidusCommand<typeof Serve> {
  static override description = 'Serve boot over HTTP: the TFTP tree read-only, each node\'s iPXE script (/ipxe/<mac>.ipxe) and one-shot boots; every answer goes to the boot log (sidus events). Runs until SIGTERM or SIGINT'
  static override examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --address 127.0.0.1 --port 8080']
  static override flags = {
    address: Flags.string({ description: 'the address to listen on (default: server.address of sidus.yaml)' }),
    port: Flags.integer({ description: 'the TCP port (default: http.port of sidus.yaml, 8470); 0 picks a free one', min: 0, max: 65535 }),
  }

  async run(): Promise<{ url: string }> {
    // http.static nginx: on loopback behind nginx, which passes the booting client's address
    const listen = serveListen(this.sidus)
    const address = this.flags.address ?? listen.address
    const canon = canonicalIpv4(address)
    if ('problem' in canon) throw new UsageError(`--address ${address} is not an IPv4 address: ${canon.problem}`, { suggestion: 'give this server\'s address on the boot network, e.g. 10.20.17.254' })
    const ctx = this.ctx
    const server = await startBootServer(ctx, { address: canon.ip, port: this.flags.port ?? listen.port, signal: ctx.signal, behindProxy: listen.behindNginx })
    this.log(`listening on ${server.url}`)
    if (!ctx.signal!.aborted) await once(ctx.signal!, 'abort')
    await server.close()
    return { url: server.url }
  }
}
