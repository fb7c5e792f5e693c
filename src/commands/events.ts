import { Flags } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { followEvents, readEvents } from '../serve/event-query.js'
import type { BootEvent } from '../serve/events.js'
import { labView } from '../lab/plan.js'

export default class Events extends SidusCommand<typeof Events> {
  static override description = 'Show the boot log of sidus serve: which node fetched which script, kernel and initrd, when, with which answer'
  static override examples = [
    '<%= config.bin %> events',
    '<%= config.bin %> events --node n[001-040] -n 100',
    '<%= config.bin %> events --follow',
    '<%= config.bin %> events --lab   # the boots of sidus lab boot',
  ]
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'keep printing new events until interrupted (with --json: one JSON object per line)' }),
    node: Flags.string({ description: 'only these nodes: n001, n[001-480], @group' }),
    lines: Flags.integer({ char: 'n', description: 'how many of the last events (default 20)', min: 0 }),
    lab: Flags.boolean({ description: 'the lab\'s boot log (its own sidus serve, state and copy of nodes.yaml), not the server\'s' }),
  }

  async run(): Promise<{ file: string; events: BootEvent[] } | { followed: number }> {
    const f = this.flags
    const query = { nodes: f.node, last: f.lines }
    const ctx = f.lab ? labView(this.ctx) : this.ctx
    if (f.follow) {
      const json = this.jsonEnabled()
      const followed = await followEvents(ctx, query, (e) => process.stdout.write(`${json ? JSON.stringify(e) : eventLine(e)}\n`))
      return { followed }
    }
    const r = await readEvents(ctx, query)
    if (!this.jsonEnabled()) {
      if (r.events.length === 0) this.log(`no boot events in ${r.file}`)
      for (const e of r.events) this.log(eventLine(e))
    }
    return r
  }
}

function eventLine(e: BootEvent): string {
  const who = e.node ?? e.mac ?? e.remote
  return `${e.time}  ${who.padEnd(17)}  ${String(e.status)}  ${e.kind.padEnd(6)}  ${(e.instance ?? '-').padEnd(12)}  ${e.what}  ${e.bytes}${e.once ? `  (once: ${e.once})` : ''}`
}
