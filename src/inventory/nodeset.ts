import { UsageError } from '../errors.js'

/**
 * Node sets in the clustershell style: `n[001-480]`, `n[001-010,020]`, `rack[1-2]n[01-04]`,
 * `n[1-9/2]` (a step), `@compute` (a group), several of them separated by commas or spaces.
 * Pure: groups are resolved through the callback the caller gives.
 */

/** the most names one set may expand to: a typo such as n[1-9999999] must not eat the memory */
export const NODESET_LIMIT = 100_000

const HELP = 'write node sets like n[001-480], n[001-010,020], rack[1-2]n[01-04] or @group, separated by commas'

/** Split a set into its top-level items: commas and spaces outside brackets. */
function topLevelItems(text: string): string[] {
  const items: string[] = []
  let depth = 0
  let current = ''
  for (const ch of text) {
    if (ch === '[') depth++
    if (ch === ']') depth--
    if (depth < 0) throw new UsageError(`invalid node set ${JSON.stringify(text)}: a ] without its [`, { suggestion: HELP })
    if (depth === 0 && (ch === ',' || /\s/.test(ch))) {
      if (current) items.push(current)
      current = ''
      continue
    }
    if (depth > 1) throw new UsageError(`invalid node set ${JSON.stringify(text)}: brackets inside brackets`, { suggestion: HELP })
    current += ch
  }
  if (depth !== 0) throw new UsageError(`invalid node set ${JSON.stringify(text)}: a [ without its ]`, { suggestion: HELP })
  if (current) items.push(current)
  return items
}

/** `001-010,020,030-040/5` → the numbers as strings, padded as the range start is written. */
function expandRanges(body: string, whole: string): string[] {
  const out: string[] = []
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+)(?:\/(\d+))?)?$/.exec(part.trim())
    if (!m) throw new UsageError(`invalid node set ${JSON.stringify(whole)}: ${JSON.stringify(part)} is not a number or a range a-b`, { suggestion: HELP })
    const [, from, to, stepText] = m
    if (to === undefined) { out.push(from); continue }
    const start = Number(from)
    const end = Number(to)
    const step = stepText === undefined ? 1 : Number(stepText)
    if (end < start) throw new UsageError(`invalid node set ${JSON.stringify(whole)}: the range ${part} runs backwards`, { suggestion: `write it as ${to}-${from}` })
    if (step < 1) throw new UsageError(`invalid node set ${JSON.stringify(whole)}: the step of ${part} must be 1 or more`, { suggestion: HELP })
    if ((end - start) / step >= NODESET_LIMIT) throw new UsageError(`node set ${JSON.stringify(whole)} names more than ${NODESET_LIMIT} nodes`, { suggestion: 'check the range for a typo' })
    // padding comes from how the start is written: [001-100] → 001 … 100, [1-100] → 1 … 100
    const width = from.length > 1 && from.startsWith('0') ? from.length : 0
    for (let n = start; n <= end; n += step) out.push(String(n).padStart(width, '0'))
  }
  return out
}

/** One item without groups: literal text and bracket ranges, expanded as a cartesian product. */
function expandPattern(item: string): string[] {
  let names = ['']
  const parts = item.split(/(\[[^\]]*\])/).filter((p) => p !== '')
  for (const part of parts) {
    const choices = part.startsWith('[') ? expandRanges(part.slice(1, -1), item) : [part]
    if (names.length * choices.length > NODESET_LIMIT) throw new UsageError(`node set ${JSON.stringify(item)} names more than ${NODESET_LIMIT} nodes`, { suggestion: 'check the ranges for a typo' })
    names = names.flatMap((prefix) => choices.map((c) => prefix + c))
  }
  return names
}

/**
 * Expand a node set to names, in the order written, each once.
 * `group` answers `@name` with its members; unknown groups are the caller's refusal.
 */
export function expandNodeSet(text: string, group: (name: string) => string[] = (g) => {
  throw new UsageError(`node set ${JSON.stringify(text)}: groups (@${g}) cannot be used here`)
}): string[] {
  const items = topLevelItems(text.trim())
  if (items.length === 0) throw new UsageError('empty node set', { suggestion: HELP })
  const seen = new Set<string>()
  const out: string[] = []
  for (const item of items) {
    const names = item.startsWith('@') ? group(item.slice(1)) : expandPattern(item)
    for (const n of names) {
      if (!seen.has(n)) { seen.add(n); out.push(n) }
    }
  }
  return out
}

/** The inverse, for display: `n001 n002 n003 n005 login` → `login,n[001-003,005]`. */
export function foldNodeSet(names: Iterable<string>): string {
  const parsed: { name: string; prefix: string; digits: string; suffix: string }[] = []
  const plain: string[] = []
  for (const name of new Set(names)) {
    const m = /^(.*?)(\d+)(\D*)$/.exec(name)
    if (m) parsed.push({ name, prefix: m[1], digits: m[2], suffix: m[3] })
    else plain.push(name)
  }
  // widths written with leading zeros, per prefix/suffix: n100 belongs with n001 (width 3), n10 with n9 (unpadded)
  const padded = new Set(parsed.filter((p) => p.digits.length > 1 && p.digits.startsWith('0')).map((p) => `${p.prefix}\u0000${p.suffix}\u0000${p.digits.length}`))
  const shapes = new Map<string, { prefix: string; suffix: string; width: number; numbers: number[] }>()
  for (const p of parsed) {
    const width = padded.has(`${p.prefix}\u0000${p.suffix}\u0000${p.digits.length}`) ? p.digits.length : 0
    const key = `${p.prefix}\u0000${p.suffix}\u0000${width}`
    const shape = shapes.get(key) ?? { prefix: p.prefix, suffix: p.suffix, width, numbers: [] }
    shape.numbers.push(Number(p.digits))
    shapes.set(key, shape)
  }
  const folded: string[] = [...plain]
  for (const { prefix, suffix, width, numbers } of shapes.values()) {
    const sorted = [...new Set(numbers)].sort((a, b) => a - b)
    const pad = (n: number) => String(n).padStart(width, '0')
    if (sorted.length === 1) { folded.push(`${prefix}${pad(sorted[0])}${suffix}`); continue }
    const ranges: string[] = []
    let from = sorted[0]
    let prev = sorted[0]
    for (const n of [...sorted.slice(1), Number.NaN]) {
      if (n === prev + 1) { prev = n; continue }
      ranges.push(from === prev ? pad(from) : `${pad(from)}-${pad(prev)}`)
      from = n
      prev = n
    }
    folded.push(`${prefix}[${ranges.join(',')}]${suffix}`)
  }
  return folded.sort().join(',')
}
