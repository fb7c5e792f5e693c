import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { showMasters, type MasterView } from '../../master/index.js'
import { table } from '../../ui/table.js'

export default class MasterShow extends SidusCommand<typeof MasterShow> {
  static override description = 'Show the read-write master of each root (or of one)'
  static override examples = ['<%= config.bin %> master show', '<%= config.bin %> master show bookworm64 --json']
  static override args = { name: Args.string({ description: 'instance name (default: all)' }) }

  async run(): Promise<{ masters: MasterView[]; pending?: string }> {
    const r = await showMasters(this.ctx, this.args.name)
    if (!this.jsonEnabled()) {
      if (r.pending) this.log(`warning: ${r.pending}`)
      if (r.masters.length === 0) this.log(this.args.name ? `${this.args.name} has no master` : 'no masters')
      else {
        this.log(table(['INSTANCE', 'MAC', 'IP', 'NODE', 'BOOT FILES'], r.masters.map((m) => [
          m.instance, m.mac, m.ip ?? '-', m.node ?? `${m.hostname ?? '-'} (masters.yaml)`, m.files.every((f) => f.present) ? 'ok' : `missing ${m.files.filter((f) => !f.present).map((f) => f.path).join(', ')}`,
        ])))
      }
    }
    return r
  }
}
