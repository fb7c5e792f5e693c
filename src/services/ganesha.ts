import path from 'node:path'
import type { ServerModel } from './model.js'
import { renderTemplate, serviceTemplate } from './template.js'
import { mastersWithAddress, network, plainPath } from './values.js'
import { parseIpv4 } from '../config/net.js'
import { ConfigError } from '../errors.js'

export interface GaneshaOptions {
  /** listen on this address only (the lab binds it inside its namespace); default: all */
  bindAddress?: string
  nfsPort?: number
  /** MOUNT protocol port for NFSv3 (registered with rpcbind) */
  mountPort?: number
  /** NLM for NFSv3 locks: off by default, sidus mounts with nolock (and NLM needs rpc.statd) */
  nlm?: boolean
  nlmPort?: number
  /** skip the NFSv4 grace period at start (the lab restarts ganesha often) */
  graceless?: boolean
  /** where NFSv4 client recovery records go (default /var/lib/nfs/ganesha) */
  recoveryRoot?: string
}

export const GANESHA_DEFAULTS = { nfsPort: 2049, mountPort: 20048, nlmPort: 32803 }

/**
 * ganesha.conf with the same exports as renderExports: each root RO to server.network
 * and RW to its master, no root squash; nfs.home RW with root squash; FSAL VFS;
 * NFSv4 numeric owners. Export_Id of a root is derived from its name, so it stays the
 * same when other roots come and go (clients' file handles carry it).
 */
export function renderGanesha(model: ServerModel, opts: GaneshaOptions = {}): string {
  const net = network(model.config)
  const masters = new Map(mastersWithAddress(model).map((m) => [m.instance, m]))
  const roots = plainPath(model.config.paths.roots, 'paths.roots')
  const ids = exportIds(model.instances)
  if (opts.bindAddress !== undefined && parseIpv4(opts.bindAddress) === undefined) {
    throw new ConfigError(`ganesha bind address ${JSON.stringify(opts.bindAddress)} is not an IPv4 address`)
  }
  const exports = model.instances.map((name) => {
    const master = masters.get(name)
    return {
      id: ids.get(name),
      path: path.join(roots, name),
      squash: 'No_Root_Squash',
      // the first CLIENT block that matches wins: the master's host entry goes first
      clients: [...(master ? [{ match: master.ip, access: 'RW' }] : []), { match: net.text, access: 'RO' }],
    }
  })
  // kept generations: read-only, ids of their own after the roots' (a root's id never moves)
  const generations = (model.generations ?? []).map((p) => plainPath(p, 'paths.roots'))
  const genIds = exportIds(generations.map((p) => path.relative(roots, p)), new Set(ids.values()))
  for (const p of generations) exports.push({ id: genIds.get(path.relative(roots, p)), path: p, squash: 'No_Root_Squash', clients: [{ match: net.text, access: 'RO' }] })
  if (model.config.nfs.home) {
    exports.push({ id: HOME_EXPORT_ID, path: plainPath(model.config.nfs.home, 'nfs.home'), squash: 'Root_Squash', clients: [{ match: net.text, access: 'RW' }] })
  }
  return renderTemplate(serviceTemplate('ganesha.conf.tmpl'), {
    bindAddress: opts.bindAddress ?? false,
    nfsPort: opts.nfsPort ?? GANESHA_DEFAULTS.nfsPort,
    mountPort: opts.mountPort ?? GANESHA_DEFAULTS.mountPort,
    nlm: opts.nlm ? 'true' : 'false',
    nlmPort: opts.nlm ? (opts.nlmPort ?? GANESHA_DEFAULTS.nlmPort) : false,
    graceless: opts.graceless ?? false,
    recoveryRoot: opts.recoveryRoot ? plainPath(opts.recoveryRoot, 'ganesha recovery root') : false,
    exports,
    rootIds: Object.entries(model.rootIds ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, id]) => ({ name, id })),
  }, 'ganesha.conf.tmpl')
}

export const HOME_EXPORT_ID = 1

/** Export ids 100..65099 from a hash of the root's name; collisions move to the next free id in name order (past `taken`). */
export function exportIds(names: string[], taken: Set<number> = new Set()): Map<string, number> {
  const used = new Set<number>([HOME_EXPORT_ID, ...taken])
  const out = new Map<string, number>()
  for (const name of [...names].sort()) {
    let id = 100 + (fnv1a(name) % 65000)
    while (used.has(id)) id = id >= 65099 ? 100 : id + 1
    used.add(id)
    out.set(name, id)
  }
  return out
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (const c of Buffer.from(text)) h = Math.imul(h ^ c, 0x01000193) >>> 0
  return h
}

/** The Path of each EXPORT block of a ganesha config (for doctor and tests). */
export function ganeshaExportPaths(text: string): string[] {
  return [...text.matchAll(/^\s*Path\s*=\s*"?([^";]+)"?\s*;/gm)].map((m) => m[1])
}
