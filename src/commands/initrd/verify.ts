import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { resolveInstance } from '../../instances/current.js'
import { verifyInitrd, type InitrdCheck } from '../../dracut/index.js'
import { SidusError } from '../../errors.js'
import { formatBytes } from '../../ui/format.js'

export default class InitrdVerify extends SidusCommand<typeof InitrdVerify> {
  static override description = "Check with the root's own lsinitrd that its initrd(s) hold overlay.ko, the NFS client and the SIDUS hook"
  static override examples = ['<%= config.bin %> initrd verify bookworm64']
  static override needsRoot = true
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override flags = {
    kernel: Flags.string({ description: 'only this kernel version (default: every kernel in the root)' }),
  }

  async run(): Promise<{ instance: string; initrds: InitrdCheck[] }> {
    const { name } = await resolveInstance(this.sidus, this.args.name)
    const initrds = await verifyInitrd(this.ctx, name, { kernel: this.flags.kernel })
    const gaps = (i: InitrdCheck) => [...i.missing, ...(i.split?.missing ?? [])]
    for (const i of initrds) {
      this.log(`${i.path}  ${i.bytes === undefined ? '-' : formatBytes(i.bytes)}  ${i.ok ? 'ok' : `MISSING: ${gaps(i).join(', ')}`}`)
      if (i.split) this.log(`${i.split.dir}  ${!i.split.current ? 'split from another initrd: publish ignores it' : i.split.missing.length === 0 ? 'ok (base + all = the whole initrd)' : 'INCOMPLETE'}`)
    }
    const bad = initrds.filter((i) => !i.ok)
    if (bad.length > 0) {
      throw new SidusError(`initrd of ${name} incomplete: ${bad.map((b) => `${b.kernel} lacks ${gaps(b).join(', ')}`).join('; ')}`, {
        suggestion: `sidus initrd build ${name}${bad.length === 1 ? ` --kernel ${bad[0].kernel}` : ''}`,
      })
    }
    return { instance: name, initrds }
  }
}
