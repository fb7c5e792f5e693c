import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { publish, type PublishSummary } from '../publish/index.js'

export default class Publish extends SidusCommand<typeof Publish> {
  static override description = 'Copy kernels and initrds to the TFTP tree as vmlinuz-<kver>@<name>, install the boot loaders, render the menus'
  static override examples = [
    '<%= config.bin %> publish',
    '<%= config.bin %> publish bookworm64',
    '<%= config.bin %> publish --dry-run',
  ]
  static override strict = false
  static override args = { names: Args.string({ description: 'instances to publish (default: all)' }) }
  static override flags = { 'dry-run': Flags.boolean({ description: 'print what would change and the menu diffs; write nothing' }) }
  static override needsRoot = true

  async run(): Promise<PublishSummary> {
    // every positional argument is an instance name (strict = false)
    const summary = await publish(this.ctx, this.argvParsed, { dryRun: this.flags['dry-run'] })
    if (!this.jsonEnabled()) {
      const verb = summary.dryRun ? 'would be ' : ''
      for (const p of summary.added) this.log(`${verb}added   ${p}`)
      for (const p of summary.updated) this.log(`${verb}updated ${p}`)
      for (const p of summary.removed) this.log(`${verb}removed ${p}`)
      if (summary.dryRun) for (const m of summary.menus) this.log(m.diff.replace(/\n$/, ''))
      if (!summary.changed) this.log('no changes')
      for (const i of summary.instances) this.log(`${i.name}: ${i.kernels.length > 0 ? i.kernels.join(', ') : 'no kernel'}`)
    }
    return summary
  }
}
