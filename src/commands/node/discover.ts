import { Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { discoverNodes, type DiscoverResult } from '../../nodes/discover.js'
import { foldNodeSet } from '../../inventory/nodeset.js'
import { table } from '../../ui/table.js'

export default class NodeDiscover extends SidusCommand<typeof NodeDiscover> {
  static override description = 'List the machines that asked the DHCP server for an address and are not in the inventory; --add names them in order'
  static override examples = [
    '<%= config.bin %> node discover',
    '<%= config.bin %> node discover --add n[101-140]',
  ]
  static override flags = {
    add: Flags.string({ description: 'name the new machines in the order they asked, from this node set, and add them' }),
    leases: Flags.string({ description: 'the DHCP server\'s lease file (default: Debian\'s dnsmasq or ISC leases, per dhcp.mode)' }),
  }

  async run(): Promise<DiscoverResult> {
    const f = this.flags
    const r = await discoverNodes(this.ctx, { leaseFile: f.leases, addPattern: f.add })
    if (!this.jsonEnabled()) {
      if (r.added) this.log(`added ${foldNodeSet(r.added.nodes.map((n) => n.name))} to ${r.added.file}`)
      else if (r.unknown.length === 0) this.log(`every machine in ${r.leaseFile} is in the inventory`)
      else this.log(table(['MAC', 'LEASED IP', 'HOSTNAME'], r.unknown.map((l) => [l.mac, l.ip, l.hostname ?? '-'])))
    }
    return r
  }
}
