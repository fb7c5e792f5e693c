import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { rollback, type PromoteResult } from '../generations/index.js'
import { resolveInstance } from '../instances/current.js'
import { reportSwap } from '../ui/generations.js'

export default class Rollback extends SidusCommand<typeof Rollback> {
  static override description = 'Make a kept generation the live root again (default: the newest older one); the live one is kept'
  static override examples = ['<%= config.bin %> rollback bookworm64', '<%= config.bin %> rollback bookworm64 --to 2']
  static override needsRoot = true
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override flags = {
    to: Flags.integer({ description: 'the generation to make live (see sidus generations NAME)' }),
    force: Flags.boolean({ description: 'roll back even though a read-write master edits the live root' }),
  }

  async run(): Promise<PromoteResult> {
    const r = await rollback(this.ctx, (await resolveInstance(this.sidus, this.args.name)).name, { to: this.flags.to, force: this.flags.force })
    for (const line of reportSwap('rolled back', r)) this.log(line)
    return r
  }
}
