import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../errors.js'

/**
 * The Debian mirror this server already uses, read from its apt sources (one-line
 * .list files and deb822 .sources files). Security and updates suites are skipped:
 * we want the archive that carries the main suites.
 */
export function mirrorFromAptSources(aptDir = '/etc/apt'): string {
  const files: string[] = []
  const main = path.join(aptDir, 'sources.list')
  files.push(main)
  try {
    for (const f of readdirSync(path.join(aptDir, 'sources.list.d')).sort()) {
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join(aptDir, 'sources.list.d', f))
    }
  } catch { /* no sources.list.d */ }
  for (const file of files) {
    let text: string
    try { text = readFileSync(file, 'utf8') } catch { continue }
    const found = file.endsWith('.sources') ? fromDeb822(text) : fromOneLine(text)
    if (found) return found
  }
  throw new ConfigError(`no Debian mirror found in ${aptDir}/sources.list or sources.list.d`, {
    suggestion: 'set "mirror:" in /etc/sidus/sidus.yaml or pass --mirror',
  })
}

const isDebianArchive = (suite: string) => !/-security$|security|-updates$|-backports$/.test(suite)

export function fromOneLine(text: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim()
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line)
    if (m && isDebianArchive(m[2]) && m[1].includes('/debian')) return m[1].replace(/\/+$/, '')
  }
  return undefined
}

export function fromDeb822(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {}
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue
      const m = /^([\w-]+):\s*(.*)$/.exec(line)
      if (m) fields[m[1].toLowerCase()] = m[2].trim()
    }
    if (fields.enabled === 'no' || !(fields.types ?? '').split(/\s+/).includes('deb')) continue
    const suites = (fields.suites ?? '').split(/\s+/)
    const uri = (fields.uris ?? '').split(/\s+/)[0]
    if (uri && uri.includes('/debian') && suites.some(isDebianArchive)) return uri.replace(/\/+$/, '')
  }
  return undefined
}
