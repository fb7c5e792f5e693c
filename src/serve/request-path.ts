import { parseBootFile } from '../domain/kernel.js'
import { parseSplitPath } from '../domain/nic-split.js'

/**
 * The file a request names, relative to the tree, or why it is refused. Refused with 400:
 * anything that tries to leave the tree or hide from the check (`..` plain or percent-encoded,
 * a NUL, a backslash, an undecodable escape, a path not starting with /). Names starting with
 * a dot (publish's temp files, being written) are 404: they are not files clients boot.
 */
export type RequestPath = { ok: true; rel: string } | { ok: false; status: 400 | 404; why: string }

export function requestPath(rawUrl: string): RequestPath {
  const raw = rawUrl.split('?')[0].split('#')[0]
  if (!raw.startsWith('/')) return { ok: false, status: 400, why: 'the path does not start with /' }
  let decoded: string
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    return { ok: false, status: 400, why: 'the path holds a malformed %-escape' }
  }
  if (decoded.includes('\0')) return { ok: false, status: 400, why: 'the path holds a NUL' }
  if (decoded.includes('\\') || raw.includes('\\')) return { ok: false, status: 400, why: 'the path holds a backslash' }
  const parts = decoded.split('/').filter((p) => p !== '')
  if (parts.some((p) => p === '..' || p === '.')) return { ok: false, status: 400, why: 'the path holds a . or .. segment' }
  if (parts.some((p) => p.startsWith('.'))) return { ok: false, status: 404, why: 'hidden file' }
  return { ok: true, rel: parts.join('/') }
}

/** How a served path is counted in the boot events. */
export type ServedKind = 'script' | 'kernel' | 'initrd' | 'file'

export function servedKind(rel: string): ServedKind {
  const base = rel.split('/').pop() ?? ''
  const boot = parseBootFile(base)
  if (boot) return boot.kind
  // a piece of a split initrd (the base, or a NIC vendor's drivers)
  if (parseSplitPath(rel)) return 'initrd'
  if (/\.ipxe$/.test(base)) return 'script'
  return 'file'
}
