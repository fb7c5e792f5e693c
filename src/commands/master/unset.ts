import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { resolveInstance } from '../../instances/current.js'
import { unsetMaster, type UnsetMasterResult } from '../../master/index.js'

export default class MasterUnset extends SidusCommand<typeof MasterUnset> {
  static override description = 'Remove the read-write master of a root: its boot files, its rw export and DHCP entry'
  static override examples = ['<%= config.bin %> master unset', '<%= config.bin %> master unset bookworm64']
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override needsRoot = true

  async run(): Promise<UnsetMasterResult> {
    const r = await unsetMaster(this.ctx, (await resolveInstance(this.sidus, this.args.name)).name)
    this.log(r.previous ? `${r.previous.mac} is no longer the master of ${r.instance}` : `${r.instance} has no master`)
    return r
  }
}
