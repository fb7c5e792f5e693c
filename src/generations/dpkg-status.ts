/** Installed packages of a dpkg status file: name (name:arch when a name is installed for several architectures) → version. */
export function installedPackages(status: string): Map<string, string> {
  const found: { name: string; arch?: string; version: string }[] = []
  for (const stanza of status.split(/\n\s*\n/)) {
    const field = (key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(stanza)?.[1].trim()
    const name = field('Package')
    const version = field('Version')
    if (!name || !version || field('Status') !== 'install ok installed') continue
    found.push({ name, arch: field('Architecture'), version })
  }
  const count = new Map<string, number>()
  for (const p of found) count.set(p.name, (count.get(p.name) ?? 0) + 1)
  return new Map(found.map((p) => [(count.get(p.name) ?? 0) > 1 && p.arch ? `${p.name}:${p.arch}` : p.name, p.version]))
}

export interface PackageChanges {
  added: { name: string; version: string }[]
  removed: { name: string; version: string }[]
  /** installed in both with another version (newer, as generations go forward) */
  upgraded: { name: string; from: string; to: string }[]
}

/** What changed from `before` to `after` (maps of installedPackages), each list sorted by name. */
export function packageChanges(before: Map<string, string>, after: Map<string, string>): PackageChanges {
  const out: PackageChanges = { added: [], removed: [], upgraded: [] }
  for (const [name, version] of [...after].sort(([a], [b]) => a.localeCompare(b))) {
    const old = before.get(name)
    if (old === undefined) out.added.push({ name, version })
    else if (old !== version) out.upgraded.push({ name, from: old, to: version })
  }
  for (const [name, version] of [...before].sort(([a], [b]) => a.localeCompare(b))) {
    if (!after.has(name)) out.removed.push({ name, version })
  }
  return out
}
