import { UsageError } from '../errors.js'

/**
 * `sidus exec [NAME] [flags] -- COMMAND…` split from the raw argv: the command is everything
 * after the first `--`, exactly as typed (oclif would take its first word as NAME when NAME
 * is left out, and reorders repeated words); NAME is the one word before `--` that is neither
 * a flag nor a flag's value. Without `--`, the first word is NAME and the rest the command.
 */
export function splitExecArgv(raw: string[], valueFlags: string[] = ['--config']): { name?: string; command: string[] } {
  const dashdash = raw.indexOf('--')
  const before = dashdash < 0 ? raw : raw.slice(0, dashdash)
  const words: string[] = []
  for (let i = 0; i < before.length; i++) {
    const w = before[i]
    if (valueFlags.includes(w)) { i++; continue }
    if (w.startsWith('-') && w !== '-') continue
    // no --: the first word is NAME and everything after it, flags included, the command
    if (dashdash < 0) return { name: w, command: raw.slice(i + 1) }
    words.push(w)
  }
  if (dashdash < 0) return { name: undefined, command: [] }
  if (words.length > 1) {
    throw new UsageError(`more than one instance name before --: ${words.join(' ')}`, { suggestion: 'sidus exec [NAME] -- COMMAND [ARG…]' })
  }
  return { name: words[0], command: raw.slice(dashdash + 1) }
}
