import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { fleetFlags } from '../../cli/fleet-flags.js'
import { UsageError } from '../../errors.js'
import { fleetRun, gatherOutputs, type FleetRunReport } from '../../fleet/run.js'

export default class NodeRun extends SidusCommand<typeof NodeRun> {
  static override description = 'Run a command on nodes over SSH, in parallel: output prefixed by the node\'s name, or folded (--gather); exit code 0 only when it succeeded everywhere'
  static override examples = ['<%= config.bin %> node run n[001-004] -- uptime', '<%= config.bin %> node run @compute --gather -- cat /etc/sidus-generation']
  static override usage = ['<%= command.id %> NODES [--gather] [--parallel N] [--timeout S] -- COMMAND [ARG…]']
  // everything after -- is the command, passed word by word
  static override strict = false
  static override args = { nodes: Args.string({ required: true, description: 'node set: n[001-480], @group' }) }
  static override flags = {
    ...fleetFlags,
    gather: Flags.boolean({ char: 'b', description: 'fold the nodes with the same output (as clush -b): the node set, then the output once' }),
  }

  async run(): Promise<FleetRunReport> {
    const dash = this.argv.indexOf('--')
    if (dash < 0) throw new UsageError('no command: give it after --', { suggestion: `sidus node run ${this.args.nodes} -- uptime` })
    const command = this.argv.slice(dash + 1)
    const streaming = !this.jsonEnabled() && !this.flags.gather
    const r = await fleetRun(this.ctx, this.args.nodes, command, {
      parallel: this.flags.parallel,
      timeout: this.flags.timeout,
      onLine: streaming ? (node, line, stream) => (stream === 'stdout' ? process.stdout : process.stderr).write(`${node}: ${line}\n`) : undefined,
    })
    if (!this.jsonEnabled()) {
      if (this.flags.gather) {
        for (const g of gatherOutputs(r.nodes)) {
          this.log(`---------------\n${g.nodes}\n---------------`)
          if (g.output) process.stdout.write(g.output.endsWith('\n') ? g.output : `${g.output}\n`)
        }
      } else {
        // the unfinished last line of each node (no newline at the end)
        for (const n of r.nodes) {
          for (const [text, stream] of [[n.stdout, process.stdout], [n.stderr, process.stderr]] as const) {
            if (text && !text.endsWith('\n')) stream.write(`${n.name}: ${text.split('\n').pop()}\n`)
          }
        }
      }
      for (const n of r.nodes) {
        if (n.error) this.info(`${n.name}: ${n.error}`)
        else if (n.exitCode !== 0) this.info(`${n.name}: exited with ${n.exitCode}`)
      }
    }
    if (!r.ok) process.exitCode = 1
    return r
  }
}
