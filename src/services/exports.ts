import path from 'node:path'
import type { ServerModel } from './model.js'
import { serviceTemplate, renderTemplate } from './template.js'
import { mastersWithAddress, network, plainPath } from './values.js'

/** Options of every root export, besides ro/rw (SIDUS's). */
export const ROOT_EXPORT_OPTIONS = 'no_root_squash,no_subtree_check,async'

/**
 * /etc/exports lines for the kernel NFS server: each root read-only to server.network,
 * read-write to its master's address (a host entry, which exportfs prefers over the
 * network entry), and nfs.home read-write with root squashed.
 */
export function renderExports(model: ServerModel): string {
  const net = network(model.config)
  const masters = new Map(mastersWithAddress(model).map((m) => [m.instance, m]))
  const roots = plainPath(model.config.paths.roots, 'paths.roots')
  return renderTemplate(serviceTemplate('exports.tmpl'), {
    network: net.text,
    options: ROOT_EXPORT_OPTIONS,
    roots: model.instances.map((name) => ({ path: path.join(roots, name), master: masters.get(name) ?? false })),
    generations: (model.generations ?? []).map((p) => ({ path: plainPath(p, 'paths.roots') })),
    home: model.config.nfs.home ? { path: plainPath(model.config.nfs.home, 'nfs.home') } : false,
  }, 'exports.tmpl')
}

export interface ExportLine { path: string; client: string; options: string[] }

/** Parse exports(5) lines of the form `<path> <client>(<options>)` (one client per line, as sidus writes). */
export function parseExports(text: string): ExportLine[] {
  const out: ExportLine[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const [p, ...clients] = line.split(/\s+/)
    for (const c of clients) {
      const m = /^([^()]+)\(([^)]*)\)$/.exec(c)
      if (!m) throw new Error(`cannot parse exports client ${JSON.stringify(c)} in ${JSON.stringify(line)}`)
      out.push({ path: p, client: m[1], options: m[2].split(',') })
    }
  }
  return out
}
