import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { nodeChangeLines } from '../../ui/node-changes.js'
import { setNodes, type NodeWriteResult } from '../../nodes/service.js'
import { nodeFlags } from '../../cli/node-flags.js'

export default class NodeSet extends SidusCommand<typeof NodeSet> {
  static override description = 'Change nodes of the inventory: one node, a node set (n[001-040]) or a group (@compute)'
  static override examples = [
    '<%= config.bin %> node set n[001-040] --instance trixie64',
    '<%= config.bin %> node set n007 --ip 10.20.17.40',
    '<%= config.bin %> node set @compute --clear extra_args',
  ]
  static override args = { nodes: Args.string({ required: true, description: 'node set: n001, n[001-480], n[001-010,020], @group' }) }
  static override flags = {
    mac: Flags.string({ description: 'a new MAC (one node only)' }),
    ip: Flags.string({ description: 'a new fixed address (one node only)' }),
    group: Flags.string({ description: 'the group whose values it takes' }),
    ...nodeFlags,
    clear: Flags.string({ description: 'remove a value from the nodes (ip, group, instance, mode, extra_args, tmpfs_size)', multiple: true }),
  }
  static override needsRoot = true

  async run(): Promise<NodeWriteResult> {
    const f = this.flags
    const r = await setNodes(this.ctx, this.args.nodes, {
      mac: f.mac, ip: f.ip, group: f.group, instance: f.instance, mode: f.mode, extra_args: f['extra-args'], tmpfs_size: f['tmpfs-size'], clear: f.clear,
    })
    this.log(`changed ${r.nodes.length} node${r.nodes.length === 1 ? '' : 's'} in ${r.file}`)
    for (const line of nodeChangeLines(r)) this.log(line)
    return r
  }
}
