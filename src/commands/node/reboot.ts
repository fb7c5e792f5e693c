import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { UsageError } from '../../errors.js'
import { rollingReboot, type RebootReport } from '../../fleet/reboot.js'

export default class NodeReboot extends SidusCommand<typeof NodeReboot> {
  static override description = 'Reboot nodes in waves over SSH: a batch, wait until each is back on its live root, then the next; stop at the first batch that fails'
  static override examples = ['<%= config.bin %> node reboot @compute --rolling --batch 8', '<%= config.bin %> node reboot n[001-002] --rolling --batch 1 --timeout 300']
  static override args = { nodes: Args.string({ required: true, description: 'node set: n[001-480], @group' }) }
  static override flags = {
    rolling: Flags.boolean({ description: 'reboot in batches, each waited for (required: sidus does not reboot a whole set at once)' }),
    batch: Flags.integer({ description: 'nodes per batch', default: 1, min: 1 }),
    timeout: Flags.integer({ description: 'seconds a batch may take to come back current', default: 600, min: 1 }),
    interval: Flags.integer({ description: 'seconds between two looks at a rebooting node', default: 5, min: 1 }),
  }

  async run(): Promise<RebootReport> {
    if (!this.flags.rolling) throw new UsageError('sidus reboots nodes in waves only', { suggestion: `add --rolling (and --batch N): sidus node reboot ${this.args.nodes} --rolling` })
    const r = await rollingReboot(this.ctx, this.args.nodes, {
      batch: this.flags.batch,
      timeout: this.flags.timeout,
      pollInterval: this.flags.interval,
      onBatch: (b) => {
        if (this.jsonEnabled()) return
        this.log(`batch ${b.index} (${b.nodes.join(',')}): ${b.ok ? 'back and current' : 'FAILED'} in ${b.seconds} s`)
        for (const f of b.failed) this.log(`  ${f.name}: ${f.why}`)
      },
    })
    if (!this.jsonEnabled() && !r.ok) this.log(`stopped: ${r.notRebooted.length > 0 ? `not rebooted: ${r.notRebooted.join(',')}` : 'no batch left'}`)
    if (!r.ok) process.exitCode = 1
    return r
  }
}
