import { SidusCommand } from '../../base-command.js'
import { labUp, type LabUpResult } from '../../lab/index.js'

export default class LabUp extends SidusCommand<typeof LabUp> {
  static override description = 'Bring the lab up: a private network namespace with dnsmasq (DHCP + TFTP) and an NFS server serving the roots'
  static override examples = ['<%= config.bin %> lab up']
  static override needsRoot = true

  async run(): Promise<LabUpResult> {
    const r = await labUp(this.ctx)
    if (r.cleaned.namespace) this.log(`cleaned a previous lab (${r.cleaned.pids.length} processes)`)
    this.log(`lab up in ${r.seconds.toFixed(1)} s: namespace ${r.lab.namespace}, server ${r.lab.server} (${r.lab.network}), dnsmasq pid ${r.lab.pids.dnsmasq}, ganesha pid ${r.lab.pids.ganesha}`)
    return r
  }
}
