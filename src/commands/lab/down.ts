import { SidusCommand } from '../../base-command.js'
import { labDown, type LabDownResult } from '../../lab/index.js'

export default class LabDown extends SidusCommand<typeof LabDown> {
  static override description = 'Stop everything the lab started and delete its network namespace'
  static override examples = ['<%= config.bin %> lab down']
  static override needsRoot = true

  async run(): Promise<LabDownResult> {
    const r = await labDown(this.ctx)
    this.log(r.wasUp ? `lab down: stopped ${r.stopped.length} processes${r.kept.length ? ` (kept clients: ${r.kept.map((k) => k.node ?? k.mac).join(', ')})` : ''}, deleted namespace ${r.namespace}` : 'the lab was not up')
    return r
  }
}
