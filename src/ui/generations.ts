import type { GenerationInfo } from '../generations/list.js'
import type { PromoteResult } from '../generations/promote.js'
import { formatBytes } from './format.js'

/** The lines promote and rollback print. */
export function reportSwap(verb: string, r: PromoteResult): string[] {
  const out = [`${verb} ${r.instance}: generation ${r.live} is live in ${r.root}; generation ${r.kept} is kept`]
  if (r.exportsNote) out.push(`exports: ${r.exportsNote}`)
  if (r.publishNote) out.push(`menus: ${r.publishNote}`)
  if (r.beyondKeep.length > 0) out.push(`generations beyond generations.keep: ${r.beyondKeep.join(', ')}; remove them with sidus generations prune ${r.instance}`)
  return out
}

/** One row of `sidus generations`: number, state, date, sizes, package changes. */
export function generationRow(g: GenerationInfo): string[] {
  const p = g.packages
  const changes = !p ? '?' : p.compared === 'none' ? '-' : `+${p.added.length} -${p.removed.length} ~${p.upgraded.length} (vs ${p.compared})`
  return [g.number === undefined ? '-' : String(g.number), g.state, g.date.replace(/\.\d+Z$/, 'Z'), formatBytes(g.bytes), formatBytes(g.ownBytes), changes]
}
