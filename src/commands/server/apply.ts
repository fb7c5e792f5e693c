import { Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { applyServerConfig, type ApplySummary } from '../../services/apply.js'

export default class ServerApply extends SidusCommand<typeof ServerApply> {
  static override description = 'Install the NFS, DHCP and TFTP configs sidus renders (drop-ins, originals kept) and reload the services that changed'
  static override examples = [
    '<%= config.bin %> server apply',
    '<%= config.bin %> server apply --dry-run',
    '<%= config.bin %> server apply --root /tmp/tree   # write under a prefix, reload nothing',
  ]
  static override flags = {
    root: Flags.string({ description: 'write under this directory instead of / (services are not reloaded)' }),
    'dry-run': Flags.boolean({ description: 'show what would change, write nothing' }),
  }
  static override needsRoot = true

  async run(): Promise<ApplySummary> {
    const flags = this.flags
    const summary = await applyServerConfig(this.ctx, { root: flags.root, dryRun: flags['dry-run'] })
    if (!this.jsonEnabled()) {
      if (summary.skipped) this.log(summary.skipped)
      for (const f of summary.files) {
        this.log(`${summary.dryRun && f.status !== 'unchanged' ? `would be ${f.status}` : f.status} ${f.target}${f.backup ? ` (original kept as ${f.backup})` : ''}`)
        if (f.diff) this.log(f.diff.replace(/\n$/, ''))
      }
      for (const r of summary.reloads) {
        this.log(`${r.status === 'done' ? 'reloaded' : r.status} ${r.service}: ${r.argv.join(' ')}${r.reason ? ` (${r.reason})` : ''}`)
      }
      if (summary.files.length > 0 && summary.files.every((f) => f.status === 'unchanged')) this.log('no changes')
    }
    // a service that did not take its new config is a failure, even though the files are right
    if (summary.reloads.some((r) => r.status === 'failed')) process.exitCode = 70
    return summary
  }
}
