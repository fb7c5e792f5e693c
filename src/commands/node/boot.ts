import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { foldNodeSet } from '../../inventory/nodeset.js'
import { setOneShotBoot, type OneShotResult } from '../../serve/once.js'

export default class NodeBoot extends SidusCommand<typeof NodeBoot> {
  static override description = 'Boot nodes once into something else (served by sidus serve at their next boot, then back to normal), or cancel it'
  static override examples = [
    '<%= config.bin %> node boot n007 --once rescue',
    '<%= config.bin %> node boot n[001-040] --once trixie64:aufs',
    '<%= config.bin %> node boot n007 --once local',
    '<%= config.bin %> node boot n007 --cancel',
  ]
  static override args = { nodes: Args.string({ required: true, description: 'node set: n001, n[001-480], @group' }) }
  static override flags = {
    once: Flags.string({ description: 'INSTANCE[:MODE] (overlay or aufs), rescue (its own instance, systemd emergency.target) or local (its disk)', exclusive: ['cancel'] }),
    cancel: Flags.boolean({ description: 'remove a pending one-shot boot', exclusive: ['once'] }),
  }
  static override needsRoot = true

  async run(): Promise<OneShotResult> {
    const r = await setOneShotBoot(this.ctx, this.args.nodes, { once: this.flags.once, cancel: this.flags.cancel })
    const names = foldNodeSet(r.nodes.map((n) => n.name))
    if (r.target) this.log(`${names} will boot ${r.target} once, at the next boot served by sidus serve`)
    else {
      const had = r.nodes.filter((n) => n.cancelled).map((n) => n.name)
      this.log(had.length > 0 ? `cancelled the one-shot boot of ${foldNodeSet(had)}` : `${names}: no one-shot boot was pending`)
    }
    return r
  }
}
