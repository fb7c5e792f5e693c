import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { nodeChangeLines } from '../../ui/node-changes.js'
import { importNodes } from '../../nodes/import.js'
import { foldNodeSet } from '../../inventory/nodeset.js'
import type { NodeWriteResult } from '../../nodes/service.js'

export default class NodeImport extends SidusCommand<typeof NodeImport> {
  static override description = 'Add many nodes from a CSV (header name,mac[,ip,group,instance,mode,…]) or YAML file; nothing is written unless every line is right'
  static override examples = ['<%= config.bin %> node import rack1.csv', '<%= config.bin %> node import nodes-from-old-server.yaml']
  static override args = { file: Args.string({ required: true, description: 'a .csv or .yaml file' }) }
  static override needsRoot = true

  async run(): Promise<NodeWriteResult> {
    const r = await importNodes(this.ctx, this.args.file)
    this.log(`added ${r.nodes.length} node${r.nodes.length === 1 ? '' : 's'} (${foldNodeSet(r.nodes.map((n) => n.name))}) to ${r.file}`)
    for (const line of nodeChangeLines(r)) this.log(line)
    return r
  }
}
