/** The lines `node add|set|rm|import` print after the inventory line: boot files and services. */
export function nodeChangeLines(r: { bootFiles: { added: string[]; updated: string[]; removed: string[] }; servicesSkipped?: string }): string[] {
  const lines: string[] = []
  for (const [what, files] of [['added', r.bootFiles.added], ['updated', r.bootFiles.updated], ['removed', r.bootFiles.removed]] as const) {
    for (const f of files) lines.push(`  ${what} ${f}`)
  }
  if (r.servicesSkipped) lines.push(`services not changed: ${r.servicesSkipped}`)
  return lines
}
