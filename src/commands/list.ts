import { SidusCommand } from '../base-command.js'
import { listInstances, type InstanceInfo } from '../instances/inspect.js'
import { formatBytes } from '../ui/format.js'
import { table } from '../ui/table.js'

export default class List extends SidusCommand<typeof List> {
  static override description = 'List every root under paths.roots, created by sidus or adopted'
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --json']

  async run(): Promise<{ instances: InstanceInfo[] }> {
    const instances = await listInstances(this.sidus, this.runner)
    if (!this.jsonEnabled()) {
      if (instances.length === 0) this.log(`no instances under ${this.sidus.paths.roots}`)
      else {
        const rows = instances.map((i) => [
          i.name, i.suite ?? '?', i.arch ?? '?', i.sizeBytes === undefined ? '?' : formatBytes(i.sizeBytes),
          i.kernels.map((k) => k.version).join(',') || '-', i.published ? 'yes' : 'no', i.master?.mac ?? '-', i.origin,
        ])
        this.log(table(['NAME', 'SUITE', 'ARCH', 'SIZE', 'KERNELS', 'PUBLISHED', 'MASTER', 'ORIGIN'], rows))
      }
    }
    return { instances }
  }
}
