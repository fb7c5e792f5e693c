import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { execInInstance, type ExecResult } from '../chroot/exec.js'

export default class Exec extends SidusCommand<typeof Exec> {
  static override description = 'Run a command inside an instance root, in a session that leaves no mount behind'
  static override examples = [
    '<%= config.bin %> exec -- apt-get install -y htop',
    '<%= config.bin %> exec bookworm64 -- apt-get install -y htop',
    '<%= config.bin %> exec bookworm64 --no-wait -- dpkg -l',
  ]
  static override usage = ['<%= command.id %> [NAME] [--no-wait] [--staged] -- COMMAND [ARG…]']
  // everything after -- is the command, passed as it is
  static override strict = false
  static override needsRoot = true
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override flags = {
    'no-wait': Flags.boolean({ description: 'fail at once when another session holds the instance, instead of waiting' }),
    staged: Flags.boolean({ description: 'run in the instance\'s stage (sidus stage), not its live root' }),
  }

  async run(): Promise<ExecResult> {
    // the raw argv, not oclif's args: `exec -- true` must not take `true` for the instance;
    // under --json the output is captured into the result, otherwise it streams through
    const r = await execInInstance(this.ctx, this.argv, { noWait: this.flags['no-wait'], staged: this.flags.staged, capture: this.jsonEnabled() })
    process.exitCode = r.exitCode
    return r
  }
}
