import { Args } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { resolveInstance } from '../instances/current.js'
import { instanceInfo, type InstanceInfo } from '../instances/inspect.js'
import { formatBytes } from '../ui/format.js'

export default class Info extends SidusCommand<typeof Info> {
  static override description = 'Show one instance: release, size, kernels and initrds, packages, master'
  static override examples = ['<%= config.bin %> info bookworm64 --json']
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }

  async run(): Promise<InstanceInfo> {
    const i = await instanceInfo(this.sidus, this.runner, (await resolveInstance(this.sidus, this.args.name)).name, { warn: (line) => this.info(`warning: ${line}`) })
    const rows: [string, string][] = [
      ['name', i.name], ['root', i.root], ['origin', i.origin], ['release', i.release ?? '?'], ['suite', i.suite ?? '?'],
      ['arch', i.arch ?? '?'], ['profile', i.profile ?? '-'], ['size', i.sizeBytes === undefined ? '?' : formatBytes(i.sizeBytes)],
      ['packages', String(i.packages ?? '?')], ['published', i.published ? 'yes' : 'no'],
      ['master', i.master ? `${i.master.mac}${i.master.ip ? ` (${i.master.ip})` : ''}` : '-'],
    ]
    for (const [k, v] of rows) this.log(`${k.padEnd(10)} ${v}`)
    for (const k of i.kernels) {
      this.log(`kernel     ${k.version}  initrd ${k.initrd ? formatBytes(k.initrdBytes ?? 0) : 'missing'}  ${k.published ? 'published' : 'not published'}`)
    }
    return i
  }
}
