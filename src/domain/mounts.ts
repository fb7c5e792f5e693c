import { readFile } from 'node:fs/promises'

/** Decode the octal escapes (\040 for space…) that /proc/self/mountinfo uses in paths. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)))
}

/** Mount points of this mount namespace, from /proc/self/mountinfo. */
export async function mountPoints(mountinfo = '/proc/self/mountinfo'): Promise<string[]> {
  const text = await readFile(mountinfo, 'utf8')
  return text.split('\n').filter(Boolean).map((line) => unescapeMountPath(line.split(' ')[4]))
}

/** Every mount point at or beneath `dir` (deepest first, the order to unmount them). */
export async function mountsUnder(dir: string, mountinfo?: string): Promise<string[]> {
  const base = dir.replace(/\/+$/, '')
  return (await mountPoints(mountinfo))
    .filter((m) => m === base || m.startsWith(`${base}/`))
    .sort((a, b) => b.length - a.length)
}
