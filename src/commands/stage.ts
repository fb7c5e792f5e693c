import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { discardStage, stageInstance, type StageResult } from '../generations/index.js'
import { resolveInstance } from '../instances/current.js'
import { formatBytes } from '../ui/format.js'

export default class Stage extends SidusCommand<typeof Stage> {
  static override description = 'Copy the live root to a stage, to change (exec/shell --staged) and boot-test before `sidus promote`'
  static override examples = ['<%= config.bin %> stage bookworm64', '<%= config.bin %> stage bookworm64 --discard']
  static override needsRoot = true
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override flags = {
    discard: Flags.boolean({ description: 'drop the stage instead (the live root is not touched)' }),
    force: Flags.boolean({ description: 'stage even though a read-write master edits the live root' }),
  }

  async run(): Promise<StageResult | { instance: string; discarded: string }> {
    const { name } = await resolveInstance(this.sidus, this.args.name)
    if (this.flags.discard) {
      const d = await discardStage(this.ctx, name)
      this.log(`discarded the stage of ${name}`)
      return d
    }
    const r = await stageInstance(this.ctx, name, { force: this.flags.force })
    this.log(`staged ${name} (from generation ${r.from}) in ${r.stage}: ${r.seconds.toFixed(1)} s, ${formatBytes(r.copiedBytes)} copied (${r.method === 'reflink' ? 'reflinks' : 'hard links outside /etc, /var, /root, /boot'})`)
    this.log(`change it with: sidus exec ${name} --staged -- …; make it live with: sidus promote ${name}`)
    return r
  }
}
