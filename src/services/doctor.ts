import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseCidr } from '../config/net.js'
import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { SidusError } from '../errors.js'
import { HOST_PACKAGES } from '../run/programs.js'
import { bootFilesFor } from '../domain/tftp.js'
import { parseBootFile } from '../domain/kernel.js'
import { EDITED_PATHS, planFiles } from './files.js'
import { loadServerModel, type ServerModel } from './model.js'
import { listeningSockets } from './sockets.js'
import { checkServe } from './serve-check.js'
import { httpPort } from './values.js'
import { tftpTreeProblems } from './tftp-tree.js'
import { masterAddressProblem } from '../master/address.js'
import { pathExists } from '../fs.js'

export interface Finding {
  check: 'packages' | 'services' | 'listening' | 'tftp' | 'exports' | 'files' | 'state'
  level: 'ok' | 'warning' | 'error'
  message: string
  /** how to fix it */
  fix?: string
}

export interface DoctorReport {
  ok: boolean
  findings: Finding[]
  /** Debian packages to install, and the line that installs them */
  missingPackages: string[]
  install?: string
}

const PACKAGES: Record<string, string> = { ...HOST_PACKAGES, showmount: 'nfs-common', exportfs: 'nfs-kernel-server' }

/**
 * Check this boot server against sidus's config and state: host packages, services
 * running and listening, the TFTP tree readable by the TFTP server, exports visible,
 * the installed service files current, and config and state in agreement. `root`
 * is where the service files are read from (as `server apply --root`).
 */
export async function runDoctor(ctx: Ctx, opts: { root?: string } = {}): Promise<DoctorReport> {
  const model = await loadServerModel(ctx)
  const findings: Finding[] = []
  const missing = await checkPackages(ctx, model.config, findings)
  await checkServices(model.config, findings)
  await checkTftp(model, findings)
  const addresses = await localAddresses(ctx)
  // the server is this machine: never send a query to an address that is not ours
  const serverIsLocal = addresses?.includes(model.config.server.address) ?? false
  await checkExports(ctx, model, findings, missing.has('showmount') || !serverIsLocal)
  if (model.config.boot.loader === 'ipxe-http') findings.push(...await checkServe(ctx, model.config.server.address, httpPort(model.config), serverIsLocal))
  await checkFiles(model, opts.root ?? '/', findings)
  await checkState(model, addresses, findings)
  const missingPackages = [...new Set([...missing.values()].flatMap((p) => p.split(' ')))].sort()
  return {
    ok: !findings.some((f) => f.level === 'error'),
    findings,
    missingPackages,
    install: missingPackages.length ? `apt-get install ${missingPackages.join(' ')}` : undefined,
  }
}

/** The programs this config needs on the server. */
export function requiredPrograms(config: SidusConfig): string[] {
  const out = config.nfs.server === 'ganesha' ? ['ganesha.nfsd', 'rpcbind'] : ['exportfs', 'rpcbind']
  out.push(config.dhcp.mode === 'isc' ? 'dhcpd' : 'dnsmasq')
  out.push(config.tftp.server === 'tftpd-hpa' ? 'in.tftpd' : 'dnsmasq')
  out.push('showmount')
  return [...new Set(out)]
}

async function checkPackages(ctx: Ctx, config: SidusConfig, findings: Finding[]): Promise<Map<string, string>> {
  const missing = new Map<string, string>()
  for (const program of requiredPrograms(config)) {
    if (await ctx.runner.which(program)) continue
    const pkg = PACKAGES[program] ?? program
    missing.set(program, pkg)
    findings.push({ check: 'packages', level: 'error', message: `${program} is not installed (package ${pkg})`, fix: `apt-get install ${pkg}` })
  }
  if (config.nfs.server === 'ganesha' && !missing.has('ganesha.nfsd') && !(await ganeshaVfsInstalled())) {
    missing.set('libfsalvfs.so', 'nfs-ganesha-vfs')
    findings.push({ check: 'packages', level: 'error', message: "ganesha's VFS backend (libfsalvfs.so) is not installed", fix: 'apt-get install nfs-ganesha-vfs' })
  }
  const usesDnsmasq = config.dhcp.mode !== 'isc' || config.tftp.server === 'dnsmasq'
  if (usesDnsmasq && !missing.has('dnsmasq') && !(await pathExists('/lib/systemd/system/dnsmasq.service')) && !(await pathExists('/etc/init.d/dnsmasq'))) {
    // dnsmasq-base has the program only: /etc/dnsmasq.d (sidus's drop-in) is read by the dnsmasq service
    findings.push({ check: 'packages', level: 'warning', message: 'the dnsmasq service is not installed: nothing reads /etc/dnsmasq.d/sidus.conf unless dnsmasq is started by hand', fix: 'apt-get install dnsmasq' })
  }
  if (missing.size === 0) findings.push({ check: 'packages', level: 'ok', message: `installed: ${requiredPrograms(config).join(', ')}` })
  return missing
}

async function ganeshaVfsInstalled(): Promise<boolean> {
  for (const dir of ['/usr/lib/x86_64-linux-gnu/ganesha', '/usr/lib/aarch64-linux-gnu/ganesha', '/usr/lib64/ganesha', '/usr/lib/ganesha']) {
    if (await pathExists(path.join(dir, 'libfsalvfs.so'))) return true
  }
  return false
}

/** Which process names run this config's services, and the socket each must hold. */
function expectedServices(config: SidusConfig): { what: string; process: string; proto: 'tcp' | 'udp'; port: number; fix: string }[] {
  const nfs = config.nfs.server === 'ganesha'
    ? { what: 'NFS (nfs-ganesha)', process: 'ganesha.nfsd', proto: 'tcp' as const, port: 2049, fix: 'systemctl restart nfs-ganesha; see /var/log/ganesha/ganesha.log' }
    : { what: 'NFS (kernel server)', process: 'nfsd', proto: 'tcp' as const, port: 2049, fix: 'systemctl restart nfs-kernel-server' }
  const dhcp = config.dhcp.mode === 'isc'
    ? { what: 'DHCP (isc-dhcp-server)', process: 'dhcpd', proto: 'udp' as const, port: 67, fix: 'systemctl restart isc-dhcp-server; see journalctl -u isc-dhcp-server' }
    : { what: `DHCP (dnsmasq${config.dhcp.mode === 'proxy' ? ', proxy' : ''})`, process: 'dnsmasq', proto: 'udp' as const, port: 67, fix: 'systemctl restart dnsmasq; see journalctl -u dnsmasq' }
  const tftp = config.tftp.server === 'tftpd-hpa'
    ? { what: 'TFTP (tftpd-hpa)', process: 'in.tftpd', proto: 'udp' as const, port: 69, fix: 'systemctl restart tftpd-hpa' }
    : { what: 'TFTP (dnsmasq)', process: 'dnsmasq', proto: 'udp' as const, port: 69, fix: 'systemctl restart dnsmasq' }
  // NFSv3's MOUNT protocol is found through rpcbind
  const rpcbind = { what: 'rpcbind (NFSv3 MOUNT)', process: 'rpcbind', proto: 'tcp' as const, port: 111, fix: 'systemctl restart rpcbind' }
  return [nfs, rpcbind, dhcp, tftp]
}

async function checkServices(config: SidusConfig, findings: Finding[]): Promise<void> {
  const running = await runningPrograms()
  const sockets = await listeningSockets()
  for (const s of expectedServices(config)) {
    if (!running.has(s.process)) findings.push({ check: 'services', level: 'error', message: `${s.what} is not running (no ${s.process} process)`, fix: s.fix })
    else findings.push({ check: 'services', level: 'ok', message: `${s.what} is running` })
    if (!sockets.some((k) => k.proto === s.proto && k.port === s.port)) {
      findings.push({ check: 'listening', level: 'error', message: `nothing listens on ${s.port}/${s.proto} for ${s.what}`, fix: s.fix })
    } else findings.push({ check: 'listening', level: 'ok', message: `${s.port}/${s.proto} is open (${s.what})` })
  }
}

/** Names of the running processes (kernel threads included: the kernel NFS server runs as nfsd threads). */
async function runningPrograms(): Promise<Set<string>> {
  const names = new Set<string>()
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')
    if (comm) names.add(comm.trim())
  }
  return names
}

async function checkTftp(model: ServerModel, findings: Finding[]): Promise<void> {
  const tftp = model.config.paths.tftp
  if (!(await pathExists(tftp))) {
    findings.push({ check: 'tftp', level: 'error', message: `the TFTP tree ${tftp} does not exist`, fix: 'sidus publish' })
    return
  }
  const problems = await tftpTreeProblems(tftp)
  for (const p of problems) findings.push({ check: 'tftp', level: 'error', message: `${p.path}: ${p.problem}`, fix: p.fix })
  const names = new Set(await readdir(tftp).catch(() => [] as string[]))
  for (const file of bootFilesFor(model.config.dhcp.mode, model.config.boot.loader)) {
    if (!(await pathExists(path.join(tftp, file)))) findings.push({ check: 'tftp', level: 'error', message: `boot loader ${file} is missing from ${tftp}: DHCP sends clients to it`, fix: 'sidus publish' })
  }
  for (const name of model.instances) {
    if (![...names].some((n) => { const f = parseBootFile(n); return f?.kind === 'kernel' && f.instance === name })) {
      findings.push({ check: 'tftp', level: 'warning', message: `no kernel of ${name} is published`, fix: `sidus publish ${name}` })
    }
  }
  if (!findings.some((f) => f.check === 'tftp' && f.level === 'error')) findings.push({ check: 'tftp', level: 'ok', message: `${tftp} is readable by the TFTP server` })
}

/** Ask the NFS server what it exports, as a client would (MOUNT protocol through rpcbind). */
async function checkExports(ctx: Ctx, model: ServerModel, findings: Finding[], skip: boolean): Promise<void> {
  if (skip) return
  const server = model.config.server.address
  let listed: Map<string, string[]>
  try {
    const r = await ctx.runner.run(['showmount', '--no-headers', '-e', server], { reject: false, timeoutMs: 15_000, signal: ctx.signal })
    if (r.exitCode !== 0) {
      findings.push({ check: 'exports', level: 'error', message: `the NFS server at ${server} lists no exports: ${(r.stderr || r.stdout).trim().split('\n').pop()}`, fix: 'start the NFS server and rpcbind, then sidus server apply' })
      return
    }
    listed = parseShowmount(r.stdout)
  } catch (error) {
    findings.push({ check: 'exports', level: 'error', message: `cannot ask ${server} for its exports: ${(error as Error).message.split('\n')[0]}`, fix: 'start rpcbind and the NFS server' })
    return
  }
  const wanted = model.instances.map((n) => path.join(model.config.paths.roots, n))
  if (model.config.nfs.home) wanted.push(model.config.nfs.home)
  let bad = false
  for (const p of wanted) {
    if (!listed.has(p)) {
      bad = true
      findings.push({ check: 'exports', level: 'error', message: `${p} is not exported by ${server}`, fix: 'sidus server apply' })
    }
  }
  for (const name of model.instances) {
    const ip = model.masters[name]?.ip
    const clients = listed.get(path.join(model.config.paths.roots, name))
    if (ip && clients && !clients.some((c) => c === ip || c === `${ip}/32`)) {
      bad = true
      findings.push({ check: 'exports', level: 'error', message: `${name}'s master ${ip} has no export of its own (it would mount read-only)`, fix: 'sidus server apply' })
    }
  }
  if (!bad) findings.push({ check: 'exports', level: 'ok', message: `${server} exports ${wanted.length} path(s)` })
}

/** showmount -e output: `<path> <client>,<client>…` per line. */
export function parseShowmount(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const m = /^(\/\S*)\s+(.*)$/.exec(line.trim())
    if (m) out.set(m[1], m[2].split(',').map((c) => c.trim()).filter(Boolean))
  }
  return out
}

/** The installed service files are the ones sidus renders now. */
async function checkFiles(model: ServerModel, root: string, findings: Finding[]): Promise<void> {
  const existing: Record<string, string | undefined> = {}
  for (const p of EDITED_PATHS) existing[p] = await readFile(path.join(root, p), 'utf8').catch(() => undefined)
  let plan
  try {
    plan = planFiles(model, existing)
  } catch (error) {
    findings.push({ check: 'files', level: 'error', message: `cannot render the service files: ${(error as Error).message}`, fix: error instanceof SidusError ? error.suggestion : undefined })
    return
  }
  const fix = `sidus server apply${root === '/' ? '' : ` --root ${root}`}`
  let bad = false
  for (const f of plan) {
    const target = path.join(root, f.path)
    const text = await readFile(target, 'utf8').catch(() => undefined)
    if (text === undefined) findings.push({ check: 'files', level: 'error', message: `${target} is not installed`, fix })
    else if (text !== f.content) findings.push({ check: 'files', level: 'error', message: `${target} differs from what sidus renders now (config or state changed since the last apply, or it was edited)`, fix })
    else continue
    bad = true
  }
  if (!bad) findings.push({ check: 'files', level: 'ok', message: `${plan.length} service file(s) are current` })
}

/** Config and state agree: masters point at roots and addresses on the boot network, the server owns its address. */
async function checkState(model: ServerModel, addresses: string[] | undefined, findings: Finding[]): Promise<void> {
  const { config } = model
  const before = findings.length
  const net = { cidr: config.server.network, parsed: parseCidr(config.server.network)! }
  if (model.instances.length === 0) findings.push({ check: 'state', level: 'warning', message: `no roots under ${config.paths.roots}`, fix: 'sidus create <name>' })
  const seen = new Map<string, string>()
  for (const [name, m] of Object.entries(model.masters)) {
    if (!model.instances.includes(name)) {
      findings.push({ check: 'state', level: 'error', message: `the master ${m.mac} is registered for ${name}, which has no root under ${config.paths.roots}`, fix: `sidus master unset ${name}` })
    }
    if (!m.ip) continue
    // the same rules master set applies (src/master/address.ts)
    const problem = masterAddressProblem(config, m.ip)
    if (problem) findings.push({ check: 'state', level: 'error', message: `the master of ${name}: ${problem.message}`, fix: `sidus master set ${name} ${m.mac} --ip <address> (${problem.fix})` })
    if (seen.has(m.ip)) findings.push({ check: 'state', level: 'error', message: `the masters of ${seen.get(m.ip)} and ${name} share the address ${m.ip}`, fix: `sidus master set ${name} ${m.mac} --ip <another address>` })
    seen.set(m.ip, name)
  }
  if (config.server.interface && !(await pathExists(path.join('/sys/class/net', config.server.interface)))) {
    findings.push({ check: 'state', level: 'error', message: `server.interface ${config.server.interface} does not exist`, fix: 'set server.interface to a name `ip link` shows' })
  }
  if (addresses && !addresses.includes(config.server.address)) {
    const prefix = net.parsed.prefix
    findings.push({
      check: 'state', level: 'error',
      message: `server.address ${config.server.address} is not an address of this machine: clients would look for the boot server elsewhere`,
      fix: `ip addr add ${config.server.address}/${prefix} dev ${config.server.interface ?? '<interface>'} (and make it permanent), or set server.address`,
    })
  }
  if (findings.length === before || findings.slice(before).every((f) => f.level !== 'error')) {
    findings.push({ check: 'state', level: 'ok', message: 'config and state agree' })
  }
}

async function localAddresses(ctx: Ctx): Promise<string[] | undefined> {
  if (!(await ctx.runner.which('ip'))) return undefined
  const r = await ctx.runner.run(['ip', '-j', '-4', 'addr', 'show'], { reject: false })
  if (r.exitCode !== 0) return undefined
  const links = JSON.parse(r.stdout) as { addr_info?: { local?: string }[] }[]
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? '')).filter(Boolean)
}

