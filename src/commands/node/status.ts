import { Args } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { fleetFlags } from '../../cli/fleet-flags.js'
import { fleetStatus, type NodeStatus, type StatusReport } from '../../fleet/status.js'
import { FULL_PERCENT } from '../../fleet/probe.js'
import { table } from '../../ui/table.js'

export default class NodeStatusCommand extends SidusCommand<typeof NodeStatusCommand> {
  static override description = 'What each node runs, over SSH: up or not, generation and kernel against the live root (needs reboot), boot mode, uptime, load, overlay tmpfs use'
  static override examples = ['<%= config.bin %> node status', '<%= config.bin %> node status @compute --timeout 5', '<%= config.bin %> node status n[001-480] --json']
  static override args = { nodes: Args.string({ description: 'node set: n[001-480], @group (default: all)' }) }
  static override flags = { ...fleetFlags }

  async run(): Promise<StatusReport> {
    const r = await fleetStatus(this.ctx, this.args.nodes, { parallel: this.flags.parallel, timeout: this.flags.timeout })
    if (!this.jsonEnabled()) {
      const t = r.totals
      this.log(`${t.nodes} nodes: ${t.up} up, ${t.down} down, ${t.stale} need reboot, ${t.full} overlay full (≥ ${FULL_PERCENT} %)`)
      for (const l of r.live) this.log(`live ${l.instance}: generation ${l.generation}${l.kernel ? `, kernel ${l.kernel}` : ''}`)
      if (r.nodes.length > 0) {
        this.log('')
        this.log(table(['NODE', 'ADDRESS', 'STATE', 'INSTANCE', 'GEN', 'KERNEL', 'MODE', 'UPTIME', 'LOAD', 'OVERLAY', 'BOOT'], r.nodes.map(row)))
      }
      for (const n of r.nodes.filter((x) => x.error)) this.info(`${n.name}: ${n.error}`)
    }
    return r
  }
}

function row(n: NodeStatus): string[] {
  const p = n.probe
  const boot = n.state !== 'up' ? '-' : n.boot === 'needs reboot' ? `needs reboot (${n.stale.join('; ')})` : n.boot === 'unknown' ? 'unknown (no live root)' : 'current'
  const overlay = p?.overlayUse === undefined ? '-' : `${p.overlayUse}%${n.full ? ' FULL' : ''}`
  return [
    n.name, n.address ?? '-', n.state, p?.instance ?? n.instance ?? '-', p ? String(p.generation) : '-', p?.kernel ?? '-',
    p?.mode ?? '-', p?.uptimeSeconds === undefined ? '-' : duration(p.uptimeSeconds), p?.load?.split(' ')[0] ?? '-', overlay, boot,
  ]
}

function duration(s: number): string {
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  return d > 0 ? `${d}d${h}h` : h > 0 ? `${h}h${m}m` : `${m}m`
}
