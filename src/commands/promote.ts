import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { promote, type PromoteResult } from '../generations/index.js'
import { resolveInstance } from '../instances/current.js'
import { reportSwap } from '../ui/generations.js'

export default class Promote extends SidusCommand<typeof Promote> {
  static override description = 'Make the stage the live root (same path, same export); the previous root is kept as a numbered generation'
  static override examples = ['<%= config.bin %> promote bookworm64']
  static override needsRoot = true
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override flags = { force: Flags.boolean({ description: 'promote even though a read-write master edits the live root' }) }

  async run(): Promise<PromoteResult> {
    const r = await promote(this.ctx, (await resolveInstance(this.sidus, this.args.name)).name, { force: this.flags.force })
    for (const line of reportSwap('promoted', r)) this.log(line)
    return r
  }
}
