import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { listNodes } from '../../nodes/service.js'
import type { ResolvedNode } from '../../inventory/model.js'
import { table } from '../../ui/table.js'

export default class NodeList extends SidusCommand<typeof NodeList> {
  static override description = 'List the nodes of the inventory (all, a node set, or a group), with their groups\' values applied'
  static override examples = ['<%= config.bin %> node list', '<%= config.bin %> node list @compute --json']
  static override args = { nodes: Args.string({ description: 'node set: n[001-480], @group (default: all)' }) }

  async run(): Promise<{ file: string; nodes: ResolvedNode[] }> {
    const r = await listNodes(this.ctx, this.args.nodes)
    if (!this.jsonEnabled()) {
      if (r.nodes.length === 0) this.log(`no nodes in ${r.file}`)
      else {
        // a value taken from the group is shown with its source
        const show = (n: ResolvedNode, k: 'instance' | 'mode') => (n[k] === undefined ? '-' : `${n[k]}${n.from[k] === 'group' ? ' (group)' : ''}`)
        this.log(table(['NAME', 'MAC', 'IP', 'GROUP', 'INSTANCE', 'MODE'], r.nodes.map((n) => [
          n.name, n.mac, n.ip ?? '-', n.group ?? '-', show(n, 'instance'), show(n, 'mode'),
        ])))
      }
    }
    return r
  }
}
