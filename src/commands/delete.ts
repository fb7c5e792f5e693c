import { Args, Flags } from '@oclif/core'
import { createInterface } from 'node:readline/promises'
import { SidusCommand } from '../base-command.js'
import { UsageError } from '../errors.js'
import { deleteInstance, type DeleteResult } from '../instances/delete.js'
import { deleteHooks } from '../instances/delete-hooks.js'

export default class Delete extends SidusCommand<typeof Delete> {
  static override description = 'Delete an instance: its root, its published boot files and its master'
  static override examples = ['<%= config.bin %> delete bookworm64', '<%= config.bin %> delete bookworm64 --force']
  static override needsRoot = true
  static override args = { name: Args.string({ required: true, description: 'instance name' }) }
  static override flags = { force: Flags.boolean({ char: 'f', description: 'do not ask (required when not on a terminal)' }) }

  async run(): Promise<DeleteResult> {
    const name = this.args.name
    if (!this.flags.force) {
      if (!process.stdin.isTTY || this.jsonEnabled()) {
        throw new UsageError(`sidus delete ${name} asks for confirmation, and this is not a terminal`, { suggestion: `add --force: sidus delete ${name} --force` })
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr })
      const answer = await rl.question(`Delete instance ${name} and every file in it? Type its name to confirm: `)
      rl.close()
      if (answer.trim() !== name) throw new UsageError('not confirmed: nothing was deleted')
    }
    const result = await deleteInstance(this.ctx, name, deleteHooks)
    this.log(`deleted ${name} (${result.root}); removed ${result.removedBootFiles.length} boot files${result.masterRemoved ? ' and its master' : ''}`)
    return result
  }
}
