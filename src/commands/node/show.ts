import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { listNodes } from '../../nodes/service.js'
import type { ResolvedNode } from '../../inventory/model.js'

export default class NodeShow extends SidusCommand<typeof NodeShow> {
  static override description = 'Show every value of nodes, and where it comes from (the node or its group)'
  static override examples = ['<%= config.bin %> node show n001', '<%= config.bin %> node show n[001-003] --json']
  static override args = { nodes: Args.string({ required: true, description: 'node set: n001, n[001-480], @group' }) }

  async run(): Promise<{ file: string; nodes: ResolvedNode[] }> {
    const r = await listNodes(this.ctx, this.args.nodes)
    if (!this.jsonEnabled()) {
      for (const n of r.nodes) {
        this.log(n.name)
        for (const key of ['mac', 'ip', 'group', 'instance', 'mode', 'extra_args', 'tmpfs_size'] as const) {
          const value = n[key]
          if (value === undefined) continue
          const from = key in n.from ? `  (${n.from[key as keyof typeof n.from]})` : ''
          this.log(`  ${key.padEnd(11)} ${value}${from}`)
        }
      }
    }
    return r
  }
}
