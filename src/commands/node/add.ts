import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { nodeChangeLines } from '../../ui/node-changes.js'
import { addNodes, type NodeWriteResult } from '../../nodes/service.js'
import { nodeFlags } from '../../cli/node-flags.js'

export default class NodeAdd extends SidusCommand<typeof NodeAdd> {
  static override description = 'Add a node to the fleet inventory (nodes.yaml): its name, MAC, address, group, instance and boot mode'
  static override examples = [
    '<%= config.bin %> node add n001 52:54:00:00:00:01',
    '<%= config.bin %> node add n002 52:54:00:00:00:02 --ip 10.20.17.12 --group compute --instance bookworm64',
  ]
  static override args = {
    name: Args.string({ required: true, description: 'the node\'s host name' }),
    mac: Args.string({ required: true, description: 'its MAC address' }),
  }
  static override flags = {
    ip: Flags.string({ description: 'its fixed address (default: the next free one outside the DHCP pool)' }),
    group: Flags.string({ description: 'a group of nodes.yaml whose values it takes' }),
    ...nodeFlags,
  }
  static override needsRoot = true

  async run(): Promise<NodeWriteResult> {
    const f = this.flags
    const r = await addNodes(this.ctx, [{
      name: this.args.name, mac: this.args.mac,
      ip: f.ip, group: f.group, instance: f.instance, mode: f.mode, extra_args: f['extra-args'], tmpfs_size: f['tmpfs-size'],
    }])
    for (const n of r.nodes) this.log(`added ${n.name} (${n.mac}, ${n.ip}) to ${r.file}`)
    for (const line of nodeChangeLines(r)) this.log(line)
    return r
  }
}
