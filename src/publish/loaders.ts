import { access } from 'node:fs/promises'
import path from 'node:path'
import { MissingPackageError } from '../errors.js'
import { LOADER_FILES, type LoaderFile } from '../domain/tftp.js'

/**
 * The loader files with their sources resolved under `hostRoot` ('/' on a server).
 * Every missing source is checked first so the error names all the packages to install.
 */
export async function resolveLoaders(hostRoot = '/'): Promise<LoaderFile[]> {
  const resolved = LOADER_FILES.map((l) => ({ ...l, source: path.join(hostRoot, l.source) }))
  const missing: LoaderFile[] = []
  for (const l of resolved) {
    try { await access(l.source) } catch { missing.push(l) }
  }
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((l) => l.pkg))]
    const files = missing.map((l) => l.source).join(', ')
    throw new MissingPackageError(missing[0].dest, pkgs.join(' '),
      `boot loader files missing on this server (${files}): package${pkgs.length > 1 ? 's' : ''} ${pkgs.join(', ')} not installed`)
  }
  return resolved
}
