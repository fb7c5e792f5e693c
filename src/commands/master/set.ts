import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { setMaster, type SetMasterResult } from '../../master/index.js'
import { masterTarget } from '../../master/target.js'

export default class MasterSet extends SidusCommand<typeof MasterSet> {
  static override description = 'Make one machine, by MAC, the read-write master of a root (replaces the previous one)'
  static override examples = [
    '<%= config.bin %> master set 08:00:aa:bb:cc:dd',
    '<%= config.bin %> master set bookworm64 08:00:aa:bb:cc:dd',
    '<%= config.bin %> master set bookworm64 0800.aabb.ccdd --ip 10.20.17.253 --hostname admin64',
  ]
  static override usage = ['<%= command.id %> [NAME] MAC [--ip IP] [--hostname HOSTNAME]']
  static override args = {
    name: Args.string({ description: 'instance name (may be left out: SIDUS_INSTANCE, default_instance, or the only instance)' }),
    mac: Args.string({ description: 'MAC address: aa:bb:cc:dd:ee:ff, AA-BB-…, aabb.ccdd.eeff or aabbccddeeff' }),
  }
  static override flags = {
    ip: Flags.string({ description: 'the master\'s fixed address (default: the highest free one of server.network)' }),
    hostname: Flags.string({ description: 'the master\'s host name (default: <name>-master)' }),
  }
  static override needsRoot = true

  async run(): Promise<SetMasterResult> {
    const { name, mac } = await masterTarget(this.sidus, this.args.name, this.args.mac)
    const r = await setMaster(this.ctx, name, mac, { ip: this.flags.ip, hostname: this.flags.hostname })
    if (r.previous && r.previous.mac !== r.master.mac) this.log(`replaced ${r.previous.mac} as master of ${r.master.instance}`)
    this.log(`${r.master.mac} (${r.master.ip}, ${r.master.hostname}) is the read-write master of ${r.master.instance}`)
    for (const f of r.written) this.log(`  ${f}`)
    if (r.servicesSkipped) this.log(`services not changed: ${r.servicesSkipped}`)
    return r
  }
}
