import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, readdirSync, lstatSync } from 'node:fs'
import path from 'node:path'

/** A fake instance: a root whose /boot holds kernel and initrd files of random bytes. */
export function fakeInstance(roots: string, name: string, kernels: string[], opts: { kernelBytes?: number; initrdBytes?: number; noInitrd?: string[] } = {}): void {
  const boot = path.join(roots, name, 'boot')
  mkdirSync(boot, { recursive: true })
  for (const kver of kernels) {
    writeFileSync(path.join(boot, `vmlinuz-${kver}`), randomBytes(opts.kernelBytes ?? 64 * 1024))
    if (opts.noInitrd?.includes(kver)) continue
    const initrd = path.join(boot, `initrd.img-${kver}`)
    writeFileSync(initrd, randomBytes(opts.initrdBytes ?? 256 * 1024))
    chmodSync(initrd, 0o600) // as dracut writes it
  }
}

export interface MenuEntryRef { label: string; kernel: string; initrd?: string; append: string }

/** pxelinux config back to entries: LABEL, KERNEL, APPEND (and its initrd=). */
export function parsePxelinux(text: string): { directives: Record<string, string>; entries: MenuEntryRef[] } {
  const directives: Record<string, string> = {}
  const entries: MenuEntryRef[] = []
  let current: MenuEntryRef | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const [word, ...rest] = line.split(/\s+/)
    const value = rest.join(' ')
    const key = word.toUpperCase()
    if (key === 'LABEL') { current = { label: value, kernel: '', append: '' }; entries.push(current) }
    else if (current && key === 'KERNEL') current.kernel = value
    else if (current && key === 'LOCALBOOT') current.kernel = `LOCALBOOT ${value}`
    else if (current && key === 'APPEND') {
      current.append = value
      current.initrd = /(?:^|\s)initrd=(\S+)/.exec(value)?.[1]
    } else if (!current) directives[key] = value
  }
  return { directives, entries }
}

/** iPXE script back to its labelled kernel/initrd pairs. */
export function parseIpxe(text: string): MenuEntryRef[] {
  const out: MenuEntryRef[] = []
  let label = ''
  for (const line of text.split('\n')) {
    const l = /^:(\S+)$/.exec(line)
    if (l) label = l[1]
    const k = /^kernel (\S+) (.*)$/.exec(line)
    if (k) out.push({ label, kernel: k[1], append: k[2], initrd: undefined })
    const i = /^initrd (\S+)$/.exec(line)
    if (i) out[out.length - 1].initrd = i[1]
  }
  return out
}

/** GRUB config back to its menu entries. */
export function parseGrub(text: string): MenuEntryRef[] {
  const out: MenuEntryRef[] = []
  for (const m of text.matchAll(/menuentry '[^']*' --id (\S+) \{\n\s+linux (\S+) (.*)\n\s+initrd (\S+)\n\}/g)) {
    out.push({ label: m[1], kernel: m[2], append: m[3], initrd: m[4] })
  }
  return out
}

/** Every file and link under dir with its mtime and inode: to prove nothing was rewritten. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      const st = lstatSync(p)
      if (e.isDirectory()) walk(p)
      else out[path.relative(dir, p)] = `${st.ino}:${st.mtimeMs}:${st.size}:${(st.mode & 0o7777).toString(8)}`
    }
  }
  if (existsSync(dir)) walk(dir)
  return out
}

export const read = (p: string) => readFileSync(p)
