import { Args } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { listGenerations, type GenerationsView } from '../generations/index.js'
import { resolveInstance } from '../instances/current.js'
import { generationRow } from '../ui/generations.js'
import { table } from '../ui/table.js'

export default class Generations extends SidusCommand<typeof Generations> {
  static override description = 'List the generations of a root: the stage, the live one, the kept ones, with sizes and package changes'
  static override examples = ['<%= config.bin %> generations bookworm64', '<%= config.bin %> generations bookworm64 --json', '<%= config.bin %> generations prune bookworm64']
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }

  async run(): Promise<GenerationsView> {
    const v = await listGenerations(this.ctx, (await resolveInstance(this.sidus, this.args.name)).name)
    this.log(table(['GEN', 'STATE', 'DATE', 'SIZE', 'OWN', 'PACKAGES'], v.generations.map(generationRow)))
    return v
  }
}
