import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { nodeChangeLines } from '../../ui/node-changes.js'
import { removeNodes, type NodeWriteResult } from '../../nodes/service.js'
import { foldNodeSet } from '../../inventory/nodeset.js'

export default class NodeRm extends SidusCommand<typeof NodeRm> {
  static override description = 'Remove nodes from the inventory'
  static override examples = ['<%= config.bin %> node rm n042', '<%= config.bin %> node rm n[401-480]']
  static override args = { nodes: Args.string({ required: true, description: 'node set: n001, n[001-480], @group' }) }
  static override needsRoot = true

  async run(): Promise<Omit<NodeWriteResult, 'nodes'> & { removed: string[] }> {
    const r = await removeNodes(this.ctx, this.args.nodes)
    this.log(`removed ${foldNodeSet(r.removed)} from ${r.file}`)
    for (const line of nodeChangeLines(r)) this.log(line)
    return r
  }
}
