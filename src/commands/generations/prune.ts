import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { pruneGenerations, type PruneResult } from '../../generations/index.js'
import { resolveInstance } from '../../instances/current.js'

export default class GenerationsPrune extends SidusCommand<typeof GenerationsPrune> {
  static override description = 'Remove the kept generations beyond generations.keep that no booted client runs on'
  static override examples = ['<%= config.bin %> generations prune bookworm64', '<%= config.bin %> generations prune bookworm64 --force']
  static override needsRoot = true
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override flags = { force: Flags.boolean({ description: 'remove them even without boot records telling that no client runs on them' }) }

  async run(): Promise<PruneResult> {
    const r = await pruneGenerations(this.ctx, (await resolveInstance(this.sidus, this.args.name)).name, { force: this.flags.force })
    this.log(r.removed.length > 0 ? `removed generation ${r.removed.join(', ')} of ${r.instance} (keeping ${r.keep})` : `nothing to prune in ${r.instance} (keeping ${r.keep})`)
    for (const n of r.inUse) this.log(`kept generation ${n}: booted last by ${r.inUseBy[n].join(', ')} (reboot them onto the live one, or --force)`)
    if (r.unknown.length > 0) this.log(`kept generation ${r.unknown.join(', ')}: live before the boot records begin, a client booted then may still be up (--force if none is)`)
    return r
  }
}
