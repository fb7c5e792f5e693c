import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { nodeStatus, type NodeStatus } from '../../serve/node-status.js'
import { table } from '../../ui/table.js'

export default class NodeList extends SidusCommand<typeof NodeList> {
  static override description = 'List the nodes of the inventory (all, a node set, or a group), with their groups\' values applied'
  static override examples = ['<%= config.bin %> node list', '<%= config.bin %> node list @compute --json']
  static override args = { nodes: Args.string({ description: 'node set: n[001-480], @group (default: all)' }) }

  async run(): Promise<{ file: string; nodes: NodeStatus[] }> {
    const r = await nodeStatus(this.ctx, this.args.nodes)
    if (!this.jsonEnabled()) {
      if (r.nodes.length === 0) this.log(`no nodes in ${r.file}`)
      else {
        // a value taken from the group is shown with its source
        const show = (n: NodeStatus, k: 'instance' | 'mode') => (n[k] === undefined ? '-' : `${n[k]}${n.from[k] === 'group' ? ' (group)' : ''}`)
        this.log(table(['NAME', 'MAC', 'IP', 'GROUP', 'INSTANCE', 'MODE', 'LAST BOOT'], r.nodes.map((n) => [
          n.name, n.mac, n.ip ?? '-', n.group ?? '-', show(n, 'instance'), show(n, 'mode'),
          n.lastBoot ? `${n.lastBoot.time.slice(0, 19).replace('T', ' ')} ${n.lastBoot.instance ?? '-'}` : '-',
        ])))
      }
    }
    return r
  }
}
