import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { installFleetKey, type KeyInstallResult } from '../../fleet/install.js'

export default class SshKeyInstall extends SidusCommand<typeof SshKeyInstall> {
  static override description = 'Authorize the fleet SSH key (made on first use) for root in an instance, so that node status, run and reboot can log in'
  static override examples = ['<%= config.bin %> ssh-key install', '<%= config.bin %> ssh-key install bookworm64']
  static override needsRoot = true
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }

  async run(): Promise<KeyInstallResult> {
    const r = await installFleetKey(this.ctx, this.args.name)
    if (!this.jsonEnabled()) {
      if (r.keyCreated) this.log(`made the fleet key: ${r.publicKey}`)
      this.log(r.result === 'added' ? `fleet key added to ${r.file}` : `fleet key already in ${r.file}`)
    }
    return r
  }
}
