import { readFileSync } from 'node:fs'
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { INSTANCE_NAME } from '../domain/instance-name.js'
import { ConfigError } from '../errors.js'
import { ipxeHazard } from './args.js'
import { canonicalIpv4, inCidr, parseCidr, parseIpv4 } from './net.js'
import { defaultConfig, type SidusConfig } from './schema.js'

export const DEFAULT_CONFIG_PATH = '/etc/sidus/sidus.yaml'

/** Which file to read: --config, then SIDUS_CONFIG, then /etc/sidus/sidus.yaml. */
export function configPath(flag?: string, env: NodeJS.ProcessEnv = process.env): { file: string; explicit: boolean } {
  if (flag) return { file: flag, explicit: true }
  if (env.SIDUS_CONFIG) return { file: env.SIDUS_CONFIG, explicit: true }
  return { file: DEFAULT_CONFIG_PATH, explicit: false }
}

/**
 * Load the config. A missing default file means defaults; a missing file that was
 * named explicitly is an error; an invalid one is refused with file:line and the problem.
 */
export function loadConfig(flag?: string, env: NodeJS.ProcessEnv = process.env): SidusConfig {
  const { file, explicit } = configPath(flag, env)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !explicit) return defaultConfig()
    throw new ConfigError(`${file}: cannot read the configuration (${code ?? String(error)})`, {
      suggestion: code === 'ENOENT' ? 'check the path given with --config or SIDUS_CONFIG' : undefined,
    })
  }
  return parseConfig(text, file)
}

type Kind = 'string' | 'number' | 'port' | 'count' | 'map' | 'enum' | 'ipv4' | 'cidr' | 'path' | 'url' | 'size' | 'instance' | 'modules' | 'boolean'
interface Field { kind: Kind; values?: string[]; fields?: Record<string, Field>; anyKey?: Field }

const path: Field = { kind: 'path' }
/**
 * initrd.nic_drivers: the NIC drivers the initrd keeps (default: every NIC family of the kernel);
 * initrd.split_nics: iPXE clients pull the initrd without its PCI NIC drivers and their own NIC's (default true)
 */
const initrd: Field = { kind: 'map', fields: { nic_drivers: { kind: 'modules' }, split_nics: { kind: 'boolean' } } }
const SCHEMA: Field = {
  kind: 'map',
  fields: {
    paths: { kind: 'map', fields: { roots: path, tftp: path, state: path, cache: path } },
    mirror: { kind: 'url' },
    archive_mirror: { kind: 'url' },
    default_instance: { kind: 'instance' },
    nodes_file: path,
    server: { kind: 'map', fields: { address: { kind: 'ipv4' }, network: { kind: 'cidr' }, interface: { kind: 'string' } } },
    nfs: {
      kind: 'map',
      fields: { server: { kind: 'enum', values: ['kernel', 'ganesha'] }, options: { kind: 'string' }, home: path },
    },
    dhcp: {
      kind: 'map',
      fields: {
        mode: { kind: 'enum', values: ['isc', 'dnsmasq', 'proxy'] },
        range: { kind: 'map', fields: { start: { kind: 'ipv4' }, end: { kind: 'ipv4' } } },
        lease: { kind: 'string' },
        leases: path,
      },
    },
    tftp: { kind: 'map', fields: { server: { kind: 'enum', values: ['tftpd-hpa', 'dnsmasq'] } } },
    boot: {
      kind: 'map',
      fields: {
        loader: { kind: 'enum', values: ['ipxe-http', 'pxelinux'] },
        timeout: { kind: 'number' },
        default_mode: { kind: 'enum', values: ['overlay', 'aufs', 'rw'] },
        console: { kind: 'string' },
        tmpfs_size: { kind: 'size' },
        extra_args: { kind: 'string' },
        firmware_lease: { kind: 'boolean' },
      },
    },
    instances: { kind: 'map', anyKey: { kind: 'map', fields: { extra_args: { kind: 'string' }, initrd } } },
    initrd,
    lab: {
      kind: 'map',
      fields: { network: { kind: 'cidr' }, namespace: { kind: 'string' }, memory_mb: { kind: 'number' } },
    },
    http: { kind: 'map', fields: { port: { kind: 'port' }, static: { kind: 'enum', values: ['serve', 'nginx'] }, serve_port: { kind: 'port' } } },
    generations: { kind: 'map', fields: { keep: { kind: 'count' } } },
  },
}

/** Parse and validate config text; `file` is used in messages only. */
export function parseConfig(text: string, file = '<config>'): SidusConfig {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const at = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0] ?? 0
    return `${file}:${lines.linePos(offset).line}`
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    throw new ConfigError(`${file}:${lines.linePos(e.pos[0]).line}: invalid YAML: ${e.message.split('\n')[0]}`, {
      suggestion: 'fix the YAML syntax at that line',
    })
  }
  const config = defaultConfig()
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { ...config, source: file }
  }
  const raw = validate(doc, doc.contents, SCHEMA, '', at) as Record<string, unknown>
  const merged = deepMerge(config, raw) as SidusConfig
  merged.source = file
  crossCheck(merged, doc, at)
  return merged
}

function validate(doc: Document, node: Node | null, field: Field, key: string, at: (n: Node | null | undefined) => string): unknown {
  const name = key || 'the top level'
  if (field.kind === 'map') {
    if (!isMap(node)) throw new ConfigError(`${at(node)}: ${name} must be a mapping of keys`, { suggestion: `write ${name} as indented key: value lines` })
    const out: Record<string, unknown> = {}
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : undefined
      const keyNode = pair.key as Node
      if (k === undefined) throw new ConfigError(`${at(keyNode)}: keys must be plain names`, { suggestion: 'use a plain word as the key at that line' })
      const sub = field.fields?.[k] ?? field.anyKey
      const full = key ? `${key}.${k}` : k
      if (!sub) {
        const known = Object.keys(field.fields ?? {}).join(', ')
        throw new ConfigError(`${at(keyNode)}: unknown key '${full}'`, { suggestion: `known keys here: ${known}` })
      }
      if (field.anyKey && !INSTANCE_NAME.test(k)) {
        throw new ConfigError(`${at(keyNode)}: '${k}' is not a valid instance name`, {
          suggestion: `instance names match ${INSTANCE_NAME.source}`,
        })
      }
      out[k] = validate(doc, pair.value as Node | null, sub, full, at)
    }
    return out
  }
  if (field.kind === 'modules') return moduleNames(node, name, at)
  if (!isScalar(node) || node.value === null) {
    throw new ConfigError(`${at(node)}: ${name} must be a single value, not ${node === null ? 'empty' : 'a list or mapping'}`, { suggestion: `give ${name} one value, or remove the key for its default` })
  }
  const value = node.value
  const fail = (what: string, suggestion?: string): never => {
    throw new ConfigError(`${at(node)}: ${name}: ${what} (got ${JSON.stringify(value)})`, { suggestion: suggestion ?? `correct ${name} at ${at(node)}` })
  }
  switch (field.kind) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail('must be a non-negative number')
      return value
    case 'port':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) fail('must be a TCP port, a whole number from 1 to 65535')
      return value
    case 'count':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail('must be a whole number, 1 or more')
      return value
    case 'enum':
      if (typeof value !== 'string' || !field.values!.includes(value)) fail(`must be one of ${field.values!.join(', ')}`)
      return value
    case 'ipv4':
      {
        // stored canonical: exports, dnsmasq and dhcpd must all read the same address
        const canon = typeof value === 'string' ? canonicalIpv4(value) : { problem: 'not an IPv4 address' }
        if ('problem' in canon) fail(`must be an IPv4 address such as 10.20.17.254: ${canon.problem}`)
        return (canon as { ip: string }).ip
      }
    case 'cidr':
      if (typeof value !== 'string' || !parseCidr(value)) fail('must be a network in CIDR form such as 10.20.17.0/24')
      return value
    case 'path':
      if (typeof value !== 'string' || !value.startsWith('/')) fail('must be an absolute path')
      if ((value as string).split('/').includes('..')) fail('must not contain ..')
      {
        const bad = /[^A-Za-z0-9._+@~/-]/.exec(value as string)
        if (bad) fail(`the character ${JSON.stringify(bad[0])} cannot stand in an NFS export path, a service config or a kernel command line`, 'use letters, digits and . _ - + @ ~ / only')
      }
      if ((value as string).replace(/\/+$/, '') === '') fail('must not be / (sidus would take the whole server for its own)', 'use a directory of its own, e.g. /srv/nfsroot')
      return (value as string).replace(/\/+$/, '').replace(/\/{2,}/g, '/')
    case 'url':
      if (typeof value !== 'string' || !/^(https?|file):\/\/\S+$/.test(value)) fail('must be an http://, https:// or file:// URL')
      return value
    case 'instance':
      if (typeof value !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(value)) fail('must be an instance name such as bookworm64', 'instance names match ^[a-z][a-z0-9-]{0,31}$')
      return value
    case 'size':
      if (typeof value !== 'string' || !/^\d+(%|[kKmMgG])?$/.test(value)) fail('must be a size such as 50% or 2G')
      return value
    case 'boolean':
      if (typeof value !== 'boolean') fail('must be true or false')
      return value
    default:
      if (typeof value !== 'string') fail('must be a string')
      return value
  }
}

/** A list of kernel module names, as modprobe spells them (e1000e, mlx5_core, virtio_net). */
function moduleNames(node: Node | null, name: string, at: (n: Node | null | undefined) => string): string[] {
  const example = 'for example [e1000e, igb, ixgbe, virtio_net]'
  if (!isSeq(node) || node.items.length === 0) {
    throw new ConfigError(`${at(node)}: ${name} must be a list of kernel module names`, { suggestion: `write it as a YAML list, ${example}` })
  }
  return node.items.map((item) => {
    const value = isScalar(item) ? item.value : undefined
    if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(value)) {
      throw new ConfigError(`${at(item as Node)}: ${name}: ${JSON.stringify(value ?? null)} is not a kernel module name`, {
        suggestion: `name the driver as lsmod or modinfo shows it, ${example}`,
      })
    }
    return value.replace(/-/g, '_')
  })
}

function crossCheck(c: SidusConfig, doc: Document, at: (n: Node | null | undefined) => string): void {
  const node = (p: string[]) => doc.getIn(p, true) as Node | undefined
  const net = parseCidr(c.server.network)!
  if (!inCidr(parseIpv4(c.server.address)!, net)) {
    throw new ConfigError(`${at(node(['server', 'address']) ?? node(['server']))}: server.address ${c.server.address} is not inside server.network ${c.server.network}`, {
      suggestion: 'set server.address to this server\'s address on the boot network',
    })
  }
  // each of these is sidus's own directory: one inside another makes `list` see tftp/ or state/
  // as an instance (and `delete` aim at it)
  const keys = ['roots', 'tftp', 'state', 'cache'] as const
  for (const [i, a] of keys.entries()) {
    for (const b of keys.slice(i + 1)) {
      const pa = c.paths[a]
      const pb = c.paths[b]
      const inside = (x: string, y: string) => x === y || x.startsWith(`${y}/`)
      if (!inside(pa, pb) && !inside(pb, pa)) continue
      const how = pa === pb ? 'is the same directory as' : inside(pa, pb) ? 'is inside' : 'contains'
      const where = node(['paths', b]) ?? node(['paths', a]) ?? node(['paths'])
      throw new ConfigError(`${at(where)}: paths.${a} ${pa} ${how} paths.${b} ${pb}: each must be a directory of its own, apart from the others`, {
        suggestion: 'give paths.roots, paths.tftp, paths.state and paths.cache separate directories, none inside another',
      })
    }
  }
  const argKeys: [string[], string][] = [[['boot', 'extra_args'], c.boot.extra_args], [['boot', 'console'], c.boot.console]]
  for (const [name, inst] of Object.entries(c.instances)) if (inst.extra_args !== undefined) argKeys.push([['instances', name, 'extra_args'], inst.extra_args])
  for (const [keyPath, value] of argKeys) {
    const hazard = ipxeHazard(value)
    if (hazard) {
      throw new ConfigError(`${at(node(keyPath))}: ${keyPath.join('.')} holds ${hazard}; pxelinux and GRUB would pass it on, iPXE would not`, {
        suggestion: 'remove it: kernel arguments cannot hold ${, a word &&, || or ;, or a word starting with #',
      })
    }
  }
  if (c.dhcp.range) {
    for (const end of ['start', 'end'] as const) {
      if (!inCidr(parseIpv4(c.dhcp.range[end])!, net)) {
        throw new ConfigError(`${at(node(['dhcp', 'range', end]))}: dhcp.range.${end} ${c.dhcp.range[end]} is not inside server.network ${c.server.network}`, { suggestion: 'the DHCP range must lie in server.network' })
      }
    }
    if (parseIpv4(c.dhcp.range.start)! > parseIpv4(c.dhcp.range.end)!) {
      throw new ConfigError(`${at(node(['dhcp', 'range']))}: dhcp.range.start is after dhcp.range.end`, { suggestion: 'swap them' })
    }
  }
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (typeof base !== 'object' || base === null || typeof over !== 'object' || over === null) return over ?? base
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = deepMerge(out[k], v)
  return out
}
