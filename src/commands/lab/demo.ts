import { Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { labDemo, renderBootResult, type LabDemoResult } from '../../lab/index.js'
import { DEMO_INSTANCE } from '../../lab/demo.js'

export default class LabDemo extends SidusCommand<typeof LabDemo> {
  static override description = 'From nothing: create a minimal instance, publish it, bring the lab up, boot a client and report every check'
  static override examples = ['<%= config.bin %> lab demo', '<%= config.bin %> lab demo --keep --uefi']
  static override flags = {
    name: Flags.string({ description: 'instance to create and boot', default: DEMO_INSTANCE }),
    uefi: Flags.boolean({ description: 'boot the client with OVMF (UEFI)', default: false }),
    keep: Flags.boolean({ description: 'leave the lab running afterwards (sidus lab down stops it)', default: false }),
    timeout: Flags.integer({ description: 'seconds to wait for the client', default: 600, min: 10 }),
  }
  static override needsRoot = true

  async run(): Promise<LabDemoResult> {
    const f = this.flags
    const r = await labDemo(this.ctx, { name: f.name, uefi: f.uefi, keep: f.keep, timeoutSeconds: f.timeout })
    if (!this.jsonEnabled()) {
      const s = r.steps
      this.log(`steps: ${s.create === undefined ? `${r.instance} existed` : `create ${s.create} s`}, publish ${s.publish} s, lab up ${s.up} s, boot ${s.boot} s${s.down === undefined ? '' : `, lab down ${s.down} s`}`)
      this.log(renderBootResult(r.boot))
      this.log(r.kept ? 'the lab is still up: sidus lab boot <name> boots another client, sidus lab down stops it' : 'the lab is down')
    }
    if (!r.ok) process.exitCode = 1
    return r
  }
}
