/**
 * initrd.nic_drivers: narrow the NIC drivers of the initrd to the ones asked for. dracut's
 * kernel-network-modules takes every driver under drivers/net; the rest are handed to dracut
 * as --omit-drivers. Pure: takes the kernel's modules.dep and modules.builtin text.
 */

/** left to dracut even when narrowed: PHY, MDIO and PCS drivers are loaded by NIC drivers by
 * device id, not as dependencies, and bonding is a link type the command line may ask for */
const KEPT = /^kernel\/drivers\/net\/(phy|mdio|pcs|bonding)\//

const nameOf = (modulePath: string) => modulePath.replace(/^.*\//, '').replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_')

export interface NicNarrowing {
  /** module names for dracut's --omit-drivers */
  omit: string[]
  /** asked-for names this kernel has no network driver for */
  unknown: string[]
}

export function narrowNicDrivers(modulesDep: string, modulesBuiltin: string, wanted: string[]): NicNarrowing {
  const deps = new Map<string, { path: string; deps: string[] }>()
  for (const line of modulesDep.split('\n')) {
    const [path, rest] = line.split(':')
    if (!path || rest === undefined) continue
    deps.set(nameOf(path), { path, deps: rest.trim().split(/\s+/).filter(Boolean).map(nameOf) })
  }
  const builtinNics = new Set(modulesBuiltin.split('\n').filter((p) => p.startsWith('kernel/drivers/net/')).map(nameOf))
  const isNic = (name: string) => builtinNics.has(name) || (deps.get(name)?.path.startsWith('kernel/drivers/net/') ?? false)
  const unknown = wanted.filter((w) => !isNic(w))
  // the asked-for drivers and everything they need stay
  const keep = new Set<string>()
  const todo = wanted.filter((w) => deps.has(w))
  while (todo.length > 0) {
    const name = todo.pop()!
    if (keep.has(name)) continue
    keep.add(name)
    todo.push(...(deps.get(name)?.deps ?? []))
  }
  const omit = [...deps.entries()]
    .filter(([name, m]) => m.path.startsWith('kernel/drivers/net/') && !KEPT.test(m.path) && !keep.has(name))
    .map(([name]) => name)
    .sort()
  return { omit, unknown }
}
