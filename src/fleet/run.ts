import type { Ctx } from '../context.js'
import { UsageError } from '../errors.js'
import { foldNodeSet } from '../inventory/nodeset.js'
import { describeFailure, withNode } from './connect.js'
import { mapPool } from './pool.js'
import { DEFAULT_PARALLEL, fleetSsh, type FleetOptions } from './session.js'
import { resolveTargets } from './targets.js'

export interface NodeRunResult {
  name: string
  /** the command's exit code; undefined when it could not be run (see error) */
  exitCode?: number
  stdout: string
  stderr: string
  error?: string
}

export interface FleetRunReport {
  command: string[]
  ok: boolean
  nodes: NodeRunResult[]
}

/**
 * `sidus node run NODES -- CMD…`: the command on every node of the set, in parallel (bounded).
 * `onLine` gets each output line as it arrives (for `name: line` output); ok only when every
 * node ran it with exit code 0.
 */
export async function fleetRun(ctx: Ctx, set: string, command: string[], opts: FleetOptions & { onLine?: (node: string, line: string, stream: 'stdout' | 'stderr') => void } = {}): Promise<FleetRunReport> {
  if (command.length === 0) throw new UsageError('no command to run', { suggestion: 'give it after --: sidus node run n[01-04] -- uptime' })
  const targets = await resolveTargets(ctx, set)
  const ssh = await fleetSsh(ctx, opts)
  const nodes = await mapPool(targets, opts.parallel ?? DEFAULT_PARALLEL, async (t): Promise<NodeRunResult> => {
    if (!t.address) return { name: t.name, stdout: '', stderr: '', error: `${t.name} has no address: none in the inventory, no DHCP lease for ${t.mac}` }
    try {
      const r = await withNode({ ...t, address: t.address }, ssh, (runner) => runner.run(command, {
        reject: false,
        onLine: opts.onLine ? (line, stream) => opts.onLine!(t.name, line, stream) : undefined,
      }))
      return { name: t.name, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }
    } catch (error) {
      return { name: t.name, stdout: '', stderr: '', error: describeFailure(error) }
    }
  })
  return { command, ok: nodes.every((n) => n.exitCode === 0), nodes }
}

/** Nodes whose output is the same, folded as clush -b does: the node set, then the output once. */
export interface GatheredOutput { nodes: string; names: string[]; output: string }

export function gatherOutputs(results: Pick<NodeRunResult, 'name' | 'stdout' | 'stderr' | 'error'>[]): GatheredOutput[] {
  const byOutput = new Map<string, string[]>()
  for (const r of results) {
    if (r.error !== undefined) continue
    const output = `${r.stdout}${r.stderr}`
    byOutput.set(output, [...(byOutput.get(output) ?? []), r.name])
  }
  return [...byOutput].map(([output, names]) => ({ nodes: foldNodeSet(names), names, output }))
}
