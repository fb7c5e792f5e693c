import { SidusCommand } from '../../base-command.js'
import { UsageError } from '../../errors.js'
import { labRun } from '../../lab/index.js'

export default class LabRun extends SidusCommand<typeof LabRun> {
  static override description = 'Run a sidus command inside the lab, against its clients: the lab\'s inventory copy, its DHCP leases for the addresses, its network namespace'
  static override examples = [
    '<%= config.bin %> lab run -- node status',
    '<%= config.bin %> lab run -- node run n-trixie -- uptime',
    '<%= config.bin %> lab run -- node reboot n-trixie,n-trixie-b --rolling --batch 1',
  ]
  static override usage = ['<%= command.id %> -- COMMAND [ARG…]']
  // everything after -- is the sidus command, passed word by word (its own -- included)
  static override strict = false
  static override needsRoot = true

  async run(): Promise<void> {
    const dash = this.argv.indexOf('--')
    if (dash < 0) throw new UsageError('no sidus command: give it after --', { suggestion: 'sidus lab run -- node status' })
    const r = await labRun(this.ctx, this.argv.slice(dash + 1))
    if (r.exportsRestarted) this.info('the lab\'s NFS server was restarted: the roots changed since the last boot (promote, rollback)')
    // the command's own exit code is ours: its output already went to ours
    process.exitCode = r.exitCode
  }
}
