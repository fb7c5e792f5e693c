/**
 * The one diff format of every --dry-run (publish, server apply): a unified diff of two
 * texts (line based, 3 lines of context). Menus and service files are small: a plain
 * LCS table is fast enough. `path` is shown as a/<path>, b/<path>.
 */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined, context = 3): string {
  const a = splitLines(before)
  const b = splitLines(after)
  const ops = lineOps(a, b)
  if (ops.every((o) => o.op === ' ')) return ''
  const out = [`--- ${before === undefined ? '/dev/null' : `a/${path}`}`, `+++ ${after === undefined ? '/dev/null' : `b/${path}`}`]
  // group changes with their context into hunks
  let i = 0
  while (i < ops.length) {
    if (ops[i].op === ' ') { i++; continue }
    let start = Math.max(0, i - context)
    let end = i
    while (end < ops.length) {
      if (ops[end].op !== ' ') { end++; continue }
      let run = 0
      while (end + run < ops.length && ops[end + run].op === ' ') run++
      if (end + run >= ops.length || run > 2 * context) { end = Math.min(ops.length, end + context); break }
      end += run
    }
    const hunk = ops.slice(start, end)
    const aStart = hunk[0].a
    const bStart = hunk[0].b
    const aLen = hunk.filter((o) => o.op !== '+').length
    const bLen = hunk.filter((o) => o.op !== '-').length
    out.push(`@@ -${aLen === 0 ? aStart : aStart + 1},${aLen} +${bLen === 0 ? bStart : bStart + 1},${bLen} @@`)
    for (const o of hunk) out.push(`${o.op}${o.line}`)
    start = end
    i = end
  }
  return `${out.join('\n')}\n`
}

function splitLines(text: string | undefined): string[] {
  if (text === undefined || text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

interface Op { op: ' ' | '-' | '+'; line: string; a: number; b: number }

function lineOps(a: string[], b: string[]): Op[] {
  const n = a.length
  const m = b.length
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1])
  }
  const ops: Op[] = []
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push({ op: ' ', line: a[i], a: i, b: j }); i++; j++ }
    else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) { ops.push({ op: '-', line: a[i], a: i, b: j }); i++ }
    else { ops.push({ op: '+', line: b[j], a: i, b: j }); j++ }
  }
  return ops
}
