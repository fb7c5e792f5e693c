import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { shellInRoot } from '../chroot/shell.js'
import { resolveInstance } from '../instances/current.js'

export default class Shell extends SidusCommand<typeof Shell> {
  static override description = 'An interactive shell inside an instance root (the exec session, with a prompt naming the instance)'
  static override examples = ['<%= config.bin %> shell bookworm64']
  static override enableJsonFlag = false
  static override needsRoot = true
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override flags = {
    'no-wait': Flags.boolean({ description: 'fail at once when another session holds the instance, instead of waiting' }),
    staged: Flags.boolean({ description: 'a shell in the instance\'s stage (sidus stage), not its live root' }),
  }

  async run(): Promise<void> {
    const r = await shellInRoot(this.ctx, (await resolveInstance(this.sidus, this.args.name)).name, { noWait: this.flags['no-wait'], staged: this.flags.staged })
    process.exitCode = r.exitCode
  }
}
