import { readdir, readFile } from 'node:fs/promises'
import { resolveInRoot } from '../chroot/root.js'

/** What sidus needs to know of a root's dracut to choose its conf. */
export interface RootDracut {
  /** e.g. "059" (bookworm), "106" (trixie, dracut-ng), "044" (stretch); undefined when the root does not say */
  version?: string
  /** 35network-legacy (dracut 049 on) or only its predecessor, 40network with dhclient inside */
  network: 'network-legacy' | 'network'
}

/** The first dracut that split the dhclient path out of 40network into 35network-legacy. */
export const NETWORK_LEGACY_SINCE = 49

/**
 * Read the root's dracut version (dracut-version.sh, else the dpkg status) and look for
 * network-legacy among its modules. Files are read through the root (its symlinks stay inside).
 */
export async function rootDracut(root: string): Promise<RootDracut> {
  const version = await fromVersionFile(root) ?? await fromDpkgStatus(root)
  let modules: string[] = []
  try { modules = await readdir(await resolveInRoot(root, 'usr/lib/dracut/modules.d')) } catch { /* no dracut: install refuses */ }
  const hasLegacy = modules.some((m) => /^\d\dnetwork-legacy$/.test(m))
  const major = version ? Number.parseInt(version, 10) : Number.NaN
  // the version decides; a root that hides it is judged by its modules
  const legacy = Number.isFinite(major) ? major >= NETWORK_LEGACY_SINCE && hasLegacy : hasLegacy
  return { version, network: legacy ? 'network-legacy' : 'network' }
}

async function fromVersionFile(root: string): Promise<string | undefined> {
  try {
    const text = await readFile(await resolveInRoot(root, 'usr/lib/dracut/dracut-version.sh'), 'utf8')
    return /^DRACUT_VERSION=["']?([0-9][^"'\s]*)/m.exec(text)?.[1]
  } catch { return undefined }
}

async function fromDpkgStatus(root: string): Promise<string | undefined> {
  try {
    const text = await readFile(await resolveInRoot(root, 'var/lib/dpkg/status'), 'utf8')
    for (const stanza of text.split(/\n\n+/)) {
      if (!/^Package: (dracut|dracut-core)$/m.test(stanza) || !/^Status: install ok installed$/m.test(stanza)) continue
      const v = /^Version: (?:\d+:)?([0-9][^\s+-]*)/m.exec(stanza)?.[1]
      if (v) return v
    }
  } catch { /* no dpkg status */ }
  return undefined
}
