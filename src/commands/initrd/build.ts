import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { resolveInstance } from '../../instances/current.js'
import { buildInitrd, type BuiltInitrd } from '../../dracut/index.js'
import { formatBytes } from '../../ui/format.js'

export default class InitrdBuild extends SidusCommand<typeof InitrdBuild> {
  static override description = 'Install (or upgrade) the SIDUS dracut module in a root and regenerate its initrd(s) there'
  static override examples = [
    '<%= config.bin %> initrd build bookworm64',
    '<%= config.bin %> initrd build bookworm64 --kernel 6.1.0-50-amd64',
  ]
  static override needsRoot = true
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override flags = {
    kernel: Flags.string({ description: 'only this kernel version (default: every kernel in the root)' }),
  }

  async run(): Promise<{ instance: string; initrds: BuiltInitrd[] }> {
    const { name } = await resolveInstance(this.sidus, this.args.name)
    const initrds = await buildInitrd(this.ctx, name, { kernel: this.flags.kernel })
    for (const i of initrds) {
      this.log(`${i.path}  ${formatBytes(i.bytes)}  ${i.seconds} s`)
      if (i.split) this.log(`${i.split.dir}  base ${formatBytes(i.split.baseBytes)} + one of ${i.split.vendors} NIC vendor pieces (at most ${formatBytes(i.split.largest?.bytes ?? i.split.allBytes)}), for iPXE clients`)
    }
    return { instance: name, initrds }
  }
}
