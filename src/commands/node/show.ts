import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { nodeStatus, type NodeStatus } from '../../serve/node-status.js'

export default class NodeShow extends SidusCommand<typeof NodeShow> {
  static override description = 'Show every value of nodes, and where it comes from (the node or its group)'
  static override examples = ['<%= config.bin %> node show n001', '<%= config.bin %> node show n[001-003] --json']
  static override args = { nodes: Args.string({ required: true, description: 'node set: n001, n[001-480], @group' }) }

  async run(): Promise<{ file: string; nodes: NodeStatus[] }> {
    const r = await nodeStatus(this.ctx, this.args.nodes)
    if (!this.jsonEnabled()) {
      for (const n of r.nodes) {
        this.log(n.name)
        for (const key of ['mac', 'ip', 'group', 'instance', 'mode', 'extra_args', 'tmpfs_size'] as const) {
          const value = n[key]
          if (value === undefined) continue
          const from = key in n.from ? `  (${n.from[key as keyof typeof n.from]})` : ''
          this.log(`  ${key.padEnd(11)} ${value}${from}`)
        }
        if (n.lastBoot) this.log(`  ${'last boot'.padEnd(11)} ${n.lastBoot.time} ${n.lastBoot.instance ?? '-'}`)
        if (n.override) this.log(`  ${'boot once'.padEnd(11)} ${n.override.target}  (pending since ${n.override.created})`)
      }
    }
    return r
  }
}
