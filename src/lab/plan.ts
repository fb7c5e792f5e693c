import path from 'node:path'
import { formatIpv4, hostAddress, inCidr, parseCidr, parseIpv4, type Cidr } from '../config/net.js'
import type { BootLoader, SidusConfig } from '../config/schema.js'
import { ConfigError } from '../errors.js'
import { labDir } from '../state/layout.js'
import type { MasterRegistry } from '../state/masters.js'

/** Names and addresses of one lab: a pure function of the admin's config. */
export interface LabPlan {
  namespace: string
  /** the bridge and the one tap QEMU clients attach to (names inside the namespace only) */
  bridge: string
  tap: string
  network: string
  prefix: number
  /** the lab's boot server address on the bridge (SIDUS's .254 convention) */
  server: string
  dir: string
  paths: LabPaths
}

export interface LabPaths {
  /** the running lab's record: pids, addresses, paths */
  stateFile: string
  /** the lab's own TFTP tree (never the server's real one) */
  tftp: string
  /** the tree a staged boot is served from (the stage's kernel and menus only): nothing the fleet's menus name */
  stagedTftp: string
  /** the config `sidus lab run` gives the command it runs: the lab's inventory, leases and server */
  runConf: string
  /** the lab's own sidus state (masters translated into the lab network, publish lock) */
  state: string
  dnsmasqConf: string
  dnsmasqLog: string
  dnsmasqPid: string
  /** sidus serve in the lab (HTTP boot): its config (the lab's, as YAML), output and pid */
  serveConf: string
  serveLog: string
  servePid: string
  leases: string
  ganeshaConf: string
  ganeshaLog: string
  ganeshaPid: string
  rpcbindPid: string
  ganeshaRecovery: string
  /** exported read-only to the lab network: the check script clients run */
  probe: string
  /** one directory per boot: console log, OVMF variables, QEMU pid */
  boots: string
}

export const LAB_BRIDGE = 'sidus-br0'
export const LAB_TAP = 'sidus-tap0'
/**
 * An IPv6 prefix of the lab's own (a ULA, inside its namespace only), announced with a router
 * advertisement that offers no router and no DHCPv6: iPXE (the lab's firmware ROM and the iPXE
 * sidus serves) waits about 13 s for an IPv6 router on a network without one before it boots,
 * and one advertisement ends that wait (issue 19's DHCP→kernel time).
 */
export const LAB_IPV6_PREFIX = 'fd53:6964:7573::'
export const LAB_IPV6_SERVER = `${LAB_IPV6_PREFIX}1`

/** The tap of a kept client, from its MAC: `sk` and the 12 hex digits (15 characters at most, as Linux wants). */
export const keptTap = (mac: string): string => `sk${mac.replace(/:/g, '').toLowerCase()}`

export function labPlan(config: SidusConfig): LabPlan {
  const cidr = labCidr(config)
  if (cidr.prefix > 28) {
    throw new ConfigError(`lab.network ${config.lab.network} is too small for the lab`, { suggestion: 'use a /24 such as 10.213.57.0/24' })
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(config.lab.namespace)) {
    throw new ConfigError(`lab.namespace ${JSON.stringify(config.lab.namespace)} is not a network namespace name`, { suggestion: 'use letters, digits, dots, dashes (e.g. sidus-lab)' })
  }
  const size = 2 ** (32 - cidr.prefix)
  const dir = labDir(config)
  const p = (f: string) => path.join(dir, f)
  return {
    namespace: config.lab.namespace,
    bridge: LAB_BRIDGE,
    tap: LAB_TAP,
    network: `${formatIpv4(cidr.network)}/${cidr.prefix}`,
    prefix: cidr.prefix,
    server: hostAddress(cidr, size - 2),
    dir,
    paths: {
      stateFile: p('lab.json'),
      tftp: p('tftp'),
      stagedTftp: p('tftp-staged'),
      runConf: p('run.yaml'),
      state: p('state'),
      dnsmasqConf: p('dnsmasq.conf'),
      dnsmasqLog: p('dnsmasq.log'),
      dnsmasqPid: p('dnsmasq.pid'),
      serveConf: p('serve.yaml'),
      serveLog: p('serve.log'),
      servePid: p('serve.pid'),
      leases: p('dnsmasq.leases'),
      ganeshaConf: p('ganesha.conf'),
      ganeshaLog: p('ganesha.log'),
      ganeshaPid: p('ganesha.pid'),
      rpcbindPid: p('rpcbind.pid'),
      ganeshaRecovery: p('ganesha-recovery'),
      probe: p('probe'),
      boots: p('boots'),
    },
  }
}

function labCidr(config: SidusConfig): Cidr {
  const cidr = parseCidr(config.lab.network)
  if (!cidr) throw new ConfigError(`lab.network ${config.lab.network} is not a CIDR network`, { suggestion: 'write it like 10.213.57.0/24' })
  return cidr
}

/**
 * The config the lab's services and publish() see: the admin's roots, but the lab's own
 * TFTP tree and state, the lab network and address, DHCP by dnsmasq, no /home export,
 * and the lab's kernel arguments (the check) after the admin's own.
 */
export const labNodesFile = (plan: LabPlan): string => `${plan.paths.state}/nodes.yaml`

export function labConfig(config: SidusConfig, plan: LabPlan, extraArgs = '', loader: BootLoader = 'pxelinux'): SidusConfig {
  return {
    ...config,
    paths: { ...config.paths, tftp: plan.paths.tftp, state: plan.paths.state },
    // the lab's copy of the inventory (syncLabNodes): the admin's nodes, their addresses left to the lab's DHCP
    nodes_file: labNodesFile(plan),
    server: { address: plan.server, network: plan.network, interface: plan.bridge },
    nfs: { ...config.nfs, server: 'ganesha', home: undefined },
    dhcp: { mode: 'dnsmasq', lease: '1h', range: undefined, leases: plan.paths.leases },
    tftp: { server: 'dnsmasq' },
    // the lab runs no nginx: its sidus serve sends the files itself (http.static nginx is the server's)
    http: { ...config.http, static: 'serve' },
    // ipxe-http: the lab's dnsmasq chains iPXE to sidus serve, which lab boot starts in the lab
    boot: { ...config.boot, loader, timeout: 1, extra_args: [config.boot.extra_args.trim(), extraArgs].filter(Boolean).join(' ') },
  }
}

/** The lab's side of sidus for commands that read state (sidus events --lab): the lab's config in the admin's context. */
export function labView<C extends { config: SidusConfig }>(ctx: C): C {
  return { ...ctx, config: labConfig(ctx.config, labPlan(ctx.config)) }
}

/**
 * The masters as the lab sees them: same MACs, addresses moved into the lab network
 * (same host number when it fits, else counting down from .253).
 */
export function labMasters(masters: MasterRegistry, plan: LabPlan): MasterRegistry {
  const cidr = parseCidr(plan.network)!
  const size = 2 ** (32 - cidr.prefix)
  const taken = new Set<number>([parseIpv4(plan.server)!])
  const out: MasterRegistry = {}
  let next = size - 3
  for (const [instance, m] of Object.entries(masters).sort(([a], [b]) => a.localeCompare(b))) {
    const real = m.ip ? parseIpv4(m.ip) : undefined
    const host = real === undefined ? -1 : real & (size - 1)
    let ip = host > 0 && host < size - 1 ? cidr.network + host : -1
    if (ip < 0 || taken.has(ip) || !inCidr(ip, cidr)) {
      while (taken.has(cidr.network + next)) next--
      ip = cidr.network + next
    }
    taken.add(ip)
    out[instance] = { ...m, instance, ip: formatIpv4(ip >>> 0) }
  }
  return out
}
