import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { forgetNodeKeys } from '../../fleet/known-hosts.js'

export default class SshKeyForget extends SidusCommand<typeof SshKeyForget> {
  static override description = 'Forget the host keys learned for nodes (a reinstalled node, a regenerated host key): the next contact learns them again'
  static override examples = ['<%= config.bin %> ssh-key forget n001', '<%= config.bin %> ssh-key forget n[001-004]']
  static override needsRoot = true
  static override args = { nodes: Args.string({ required: true, description: 'node set: n001, n[001-480] (names, inventory or not)' }) }

  async run(): Promise<{ file: string; forgotten: string[] }> {
    const r = await forgetNodeKeys(this.sidus, this.args.nodes)
    if (!this.jsonEnabled()) this.log(r.forgotten.length > 0 ? `forgot the host keys of ${r.forgotten.join(', ')} in ${r.file}` : `no host key known for ${this.args.nodes} in ${r.file}`)
    return r
  }
}
