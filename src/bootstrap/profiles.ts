import { readFileSync } from 'node:fs'
import YAML from 'yaml'
import { UsageError } from '../errors.js'
import { assetPath } from '../assets.js'

export interface Profile { name: string; description: string; packages: string[] }

type RawProfiles = Record<string, { description?: string; inherits?: string; packages?: string[] }>

let cached: RawProfiles | undefined
function rawProfiles(): RawProfiles {
  cached ??= YAML.parse(readFileSync(assetPath('bootstrap/profiles.yaml'), 'utf8')) as RawProfiles
  return cached
}

export function profileNames(): string[] {
  return Object.keys(rawProfiles())
}

/** A profile's full package list, inherited sets first. */
export function resolveProfile(name: string): Profile {
  const all = rawProfiles()
  const seen = new Set<string>()
  const packages: string[] = []
  let description = ''
  const walk = (n: string) => {
    const p = all[n]
    if (!p) throw new UsageError(`unknown profile ${JSON.stringify(n)}`, { suggestion: `use one of: ${profileNames().join(', ')}` })
    if (seen.has(n)) throw new UsageError(`profile ${n} inherits itself`)
    seen.add(n)
    if (p.inherits) walk(p.inherits)
    description ||= p.description ?? ''
    for (const pkg of p.packages ?? []) if (!packages.includes(pkg)) packages.push(pkg)
  }
  walk(name)
  description = all[name].description ?? description
  return { name, description, packages }
}

/** Debian's generic kernel metapackage for an architecture. */
export function kernelPackage(arch: string): string {
  const map: Record<string, string> = {
    amd64: 'linux-image-amd64', i386: 'linux-image-686-pae', arm64: 'linux-image-arm64', armhf: 'linux-image-armmp',
    ppc64el: 'linux-image-powerpc64le', s390x: 'linux-image-s390x', riscv64: 'linux-image-riscv64', mips64el: 'linux-image-5kc-malta',
  }
  const pkg = map[arch]
  if (!pkg) throw new UsageError(`no Debian kernel package known for ${arch}`)
  return pkg
}
