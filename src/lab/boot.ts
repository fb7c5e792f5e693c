import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { inCidr, parseCidr, parseIpv4 } from '../config/net.js'
import type { BootLoader, BootMode } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { ConflictError, ExternalError, NotFoundError, UsageError } from '../errors.js'
import { publish, type PublishSummary } from '../publish/index.js'
import type { SidusConfig } from '../config/schema.js'
import { processAlive, writeFileAtomic } from '../state/atomic.js'
import { initrdFile, kernelFile } from '../domain/kernel.js'
import { macBare, parseMac } from '../domain/mac.js'
import { writeTree } from '../publish/writer.js'
import { readMasters } from '../inventory/masters.js'
import { loadInventory } from '../inventory/file.js'
import { resolveNode } from '../inventory/model.js'
import { rootDir, stageDir } from '../state/layout.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { acksOf, evaluateChecks, firstAckAt, leaseOf, tftpSent, type LabCheck } from './checks.js'
import { ConsoleWatcher, consoleTail, parseProbe, type ClientAnalyze, type Timings } from './console.js'
import { runningLab, syncLabNodes } from './lab.js'
import { addTap, deleteTap, tapTxBytes } from './netns.js'
import { keptTap, labConfig, labPlan, type LabPlan } from './plan.js'
import { readPid, stopPids, waitFor } from './process.js'
import { writeLabRecord, type KeptClient, type LabRecord } from './state.js'
import { DEFAULT_CLIENT_MAC, OVMF_CODE, OVMF_VARS, qemuArgv } from './qemu.js'
import { restart, writeServiceConfigs } from './services.js'
import { httpSent, startLabServe } from './serve.js'
import { eventLogFile } from '../serve/events.js'
import { setOneShotBoot } from '../serve/once.js'
import { cancelOverride } from '../serve/overrides.js'
import { checkLabOnce, rescueCheckArg } from './rescue.js'

export interface LabBootOptions {
  mac?: string
  uefi?: boolean
  /** default: rw for the instance's master MAC, else boot.default_mode */
  mode?: BootMode
  timeoutSeconds?: number
  /** boot this initrd instead of the published one (bench/boot's stock dracut image); written into the lab's own tree only */
  initrd?: string
  /** ipxe-http (default): iPXE by TFTP, then script, kernel and initrd from sidus serve; pxelinux: all by TFTP */
  loader?: BootLoader
  /** leave the client running after the checks (it reboots through the lab as a node does); lab down stops it */
  keep?: boolean
  /** boot the instance's stage (sidus stage NAME) instead of its live root */
  staged?: boolean
  /**
   * `rescue`: a one-shot boot of the node (--mac of a node of the inventory), written into the lab's
   * state by `sidus node boot --once`'s own code and served once by the lab's sidus serve; the
   * checks then expect emergency.target with a root shell instead of a login prompt
   */
  once?: string
}

export interface LabBootResult {
  instance: string
  mac: string
  mode: BootMode
  firmware: 'bios' | 'uefi'
  ok: boolean
  checks: LabCheck[]
  /** seconds from QEMU start to each milestone */
  timings: Timings
  /** what TFTP and HTTP sent this client (with HTTP boot, TFTP carries the iPXE binary only), and the rest of the link */
  bytes: { tftp: number; http?: number; nfs?: number }
  /**
   * the DHCP leases this boot took (dnsmasq's DHCPACKs to its MAC): the firmware's, iPXE's own after
   * OVMF's (snponly.efi), and the initrd's, which an iPXE boot no longer asks for (IPXE_FIRMWARE_LEASE)
   */
  leases: number
  loader: BootLoader
  /** what the client says of itself: its host name and Debian release, its systemd-analyze, the state of the root's diskless-mask units */
  client: { hostname?: string; codename?: string; analyze?: ClientAnalyze; units?: Record<string, string> }
  consoleLog: string
  /** the console's last lines, when a check failed */
  consoleTail?: string
  /** the one-shot boot this boot was given (rescue) */
  once?: string
  seconds: number
  /** the client left running (--keep), when its checks passed */
  kept?: KeptClient
}

export const DEFAULT_BOOT_TIMEOUT = 600

/** Who boots what: the instance, the client's MAC and the mode it boots in. */
interface BootTarget {
  name: string; root: string; mac: string; mode: BootMode; isMaster: boolean; /** the inventory's node of this MAC, when it names one */ node?: string; nodeInstance?: string
  /** the stage's root is booted: its boot files are named after STAGED_NAME in the lab's staged tree */
  staged: boolean
  /** a one-shot rescue boot */
  rescue: boolean
}

/** A staged boot's root is <roots>/.generations/<name>/stage: the staged tree publishes it as the instance `stage` of that directory. */
const STAGED_NAME = 'stage'

/** A QEMU client started in the lab's namespace. */
interface Client { dir: string; consoleLog: string; pidFile: string; pid: number; started: number; firmware: 'bios' | 'uefi'; tap: string }

/** What the boot left behind: the console text, the dnsmasq log since the start, the bytes sent. */
interface Observed { text: string; watcher: ConsoleWatcher; dnsmasqLog: string; txBefore?: number; txAfter?: number; loader: BootLoader; bootLog: string }

/**
 * PXE-boot one QEMU client of `name` in the running lab and check, from inside it, that
 * it booted the SIDUS way. The client runs the lab's check script (systemd.run= on the
 * lab's kernel line, from a read-only export of the lab) and prints marker lines on its
 * serial console; the lab reads them, compares with dnsmasq's log and the root on the
 * server, and stops the client.
 */
export async function labBoot(ctx: Ctx, name: string, opts: LabBootOptions = {}): Promise<LabBootResult> {
  const started = Date.now()
  checkInstanceName(name)
  const plan = labPlan(ctx.config)
  const lab = await runningLab(ctx, plan)
  const loader = opts.loader ?? 'ipxe-http'
  const target = await bootTarget(ctx, name, opts, loader)
  const nonce = randomBytes(6).toString('hex')
  if (target.staged && loader !== 'ipxe-http') throw new UsageError('a staged boot is served by sidus serve (iPXE over HTTP)', { suggestion: 'leave --tftp out' })
  const tap = opts.keep ? await keptClientTap(ctx, plan, lab, target.mac) : plan.tap
  const kver = await prepareLabServer(ctx, plan, target, nonce, opts.initrd, loader)
  const dnsmasqLogStart = (await stat(plan.paths.dnsmasqLog).catch(() => undefined))?.size ?? 0
  const bootLogFile = eventLogFile(labConfig(ctx.config, plan))
  const bootLogStart = (await stat(bootLogFile).catch(() => undefined))?.size ?? 0
  const txBefore = await tapTxBytes(ctx, plan, tap)
  const client = await startClient(ctx, plan, lab.namespace, target, opts.uefi ?? false, tap, opts.keep ?? false)
  const { text, watcher } = await watchClient(ctx, client, nonce, (opts.timeoutSeconds ?? DEFAULT_BOOT_TIMEOUT) * 1000, opts.keep ?? false, target.rescue)
  const observed: Observed = {
    text, watcher, txBefore, txAfter: await tapTxBytes(ctx, plan, tap),
    dnsmasqLog: (await readFile(plan.paths.dnsmasqLog, 'utf8').catch(() => '')).slice(dnsmasqLogStart),
    loader, bootLog: (await readFile(bootLogFile).catch(() => Buffer.alloc(0))).subarray(bootLogStart).toString('utf8'),
  }
  // the next boots of any client (a kept one's reboot included) get the live roots again
  if (target.staged) await startLabServe(ctx, plan, labConfig(ctx.config, plan, checkArgs(plan, nonce), loader))
  const result = await judgeBoot(plan, target, client, kver, nonce, observed, started)
  if (opts.keep) result.kept = await keepClient(ctx, plan, target, client, result.ok)
  return result
}

/** A kept client's own tap (QEMU holds a tap alone); the MAC must not be a kept client still running. */
async function keptClientTap(ctx: Ctx, plan: LabPlan, lab: LabRecord, mac: string): Promise<string> {
  const running = (lab.kept ?? []).find((k) => k.mac === mac && processAlive(k.pid))
  if (running) throw new ConflictError(`${mac} is a kept client of the lab already (QEMU pid ${running.pid}, ${running.instance})`, { suggestion: 'boot another MAC, or sidus lab down' })
  const tap = keptTap(mac)
  await deleteTap(ctx, plan, tap) // a kept client's that died
  await addTap(ctx, plan, tap)
  return tap
}

/** Record a kept client whose checks passed (lab down stops it); one that failed is stopped like any other. */
async function keepClient(ctx: Ctx, plan: LabPlan, target: BootTarget, client: Client, ok: boolean): Promise<KeptClient | undefined> {
  if (!ok || !processAlive(client.pid)) {
    await stopPids([client.pid])
    await deleteTap(ctx, plan, client.tap)
    return undefined
  }
  const kept: KeptClient = {
    instance: target.name, mac: target.mac, node: target.node, staged: target.staged || undefined,
    pid: client.pid, tap: client.tap, consoleLog: client.consoleLog, since: new Date().toISOString(),
  }
  const lab = await runningLab(ctx, plan)
  await writeLabRecord(plan, { ...lab, kept: [...(lab.kept ?? []).filter((k) => k.mac !== target.mac && processAlive(k.pid)), kept] })
  return kept
}

/** Check the instance and the MAC, and decide the mode: the master always boots rw. */
async function bootTarget(ctx: Ctx, name: string, opts: LabBootOptions, loader: BootLoader): Promise<BootTarget> {
  const live = rootDir(ctx.config, name)
  if (!(await stat(live).catch(() => undefined))?.isDirectory()) {
    throw new NotFoundError(`no instance ${name} under ${ctx.config.paths.roots}`, { suggestion: `sidus create ${name}, or see sidus list` })
  }
  const staged = opts.staged ?? false
  const root = staged ? stageDir(ctx.config, name) : live
  if (staged && !(await stat(root).catch(() => undefined))?.isDirectory()) {
    throw new NotFoundError(`${name} has no stage (${root})`, { suggestion: `sidus stage ${name}` })
  }
  const mac = parseMac(opts.mac ?? DEFAULT_CLIENT_MAC)
  const master = (await readMasters(ctx.config))[name]
  const isMaster = master?.mac.toLowerCase() === mac
  if (isMaster && opts.mode && opts.mode !== 'rw') {
    throw new UsageError(`${mac} is the master of ${name}: it always boots the root read-write`, { suggestion: `boot another MAC for --mode ${opts.mode}` })
  }
  // a node of the inventory boots what nodes.yaml gives it, in the lab as on the fleet
  const inventory = await loadInventory(ctx.config)
  const entry = inventory.nodes.find((n) => n.mac === mac)
  const node = entry ? resolveNode(inventory, entry) : undefined
  if (node?.instance && node.instance !== name) {
    throw new UsageError(`${mac} is node ${node.name}, which boots ${node.instance}, not ${name}`, { suggestion: `sidus lab boot ${node.instance} --mac ${mac}, or boot another MAC` })
  }
  if (node?.mode && opts.mode && node.mode !== opts.mode) {
    throw new UsageError(`${mac} is node ${node.name}, which boots ${node.mode}`, { suggestion: `leave --mode out, or change the node: sidus node set ${node.name} --mode ${opts.mode}` })
  }
  const mode = isMaster ? 'rw' : (node?.mode ?? opts.mode ?? ctx.config.boot.default_mode)
  // the stage is tried, never written: promote makes it the live root as it was tested
  if (staged && mode === 'rw') throw new UsageError(`a staged boot is read-only: ${isMaster ? `${mac} is the master of ${name}` : 'rw asked'}`, { suggestion: 'boot another MAC on the overlay' })
  const rescue = opts.once !== undefined
  if (rescue) await checkLabOnce(opts.once!, { name, root, mac, node: node?.name, loader })
  return { name, root, mac, isMaster, mode, node: node?.name, nodeInstance: node?.instance, staged, rescue }
}

/**
 * Make the lab's server boot this client: masters, the lab's tree published with the
 * boot's nonce on the kernel line, services restarted when their configs changed, and
 * the --initrd override. Returns the kernel version the client boots.
 */
async function prepareLabServer(ctx: Ctx, plan: LabPlan, target: BootTarget, nonce: string, initrd: string | undefined, loader: BootLoader): Promise<string> {
  const { name, mac, mode, isMaster } = target
  // --mode rw for a MAC that is not the master: the lab (only) makes it the master
  await syncLabNodes(ctx, plan, mode === 'rw' && !isMaster ? { instance: name, mac } : undefined)
  const lab = labConfig(ctx.config, plan, checkArgs(plan, nonce, target.rescue), loader)
  // --initrd replaces the whole initrd: iPXE must load that one, not the split the root's build left
  const config = initrd ? wholeInitrd(lab, name) : lab
  if (mode !== 'rw') config.boot.default_mode = mode
  // a client off the inventory boots the menu: its default is the instance this boot is about;
  // a node with an instance of its own boots through its per-MAC files, as on the fleet
  if (!target.nodeInstance) config.default_instance = name
  const labCtx = { ...ctx, config }
  // the one-shot goes into the lab's state as `sidus node boot --once` writes it; a plain boot takes none left by an earlier one
  if (target.node && target.rescue) await setOneShotBoot(labCtx, target.node, { once: 'rescue' })
  else if (target.node) await cancelOverride(config, target.node)
  const published = await publish(labCtx, [])
  const changed = await writeServiceConfigs(labCtx, plan, config, { stage: target.staged ? target.root : undefined })
  if (changed.dnsmasq) await restart(ctx, plan, 'dnsmasq')
  if (changed.ganesha) await restart(ctx, plan, 'ganesha')
  const served = target.staged ? await publishStaged(ctx, plan, config, target) : { config, published }
  if (loader === 'ipxe-http') await startLabServe(ctx, plan, served.config)

  const kver = served.published.instances.find((i) => i.name === (target.staged ? STAGED_NAME : name))?.kernels[0]
  if (!kver) throw new NotFoundError(`${name} has no kernel to boot`, { suggestion: `install one in the root (sidus exec ${name} -- apt-get install linux-image-amd64)` })
  if (initrd) {
    // through the tree writer: the efi32/efi64 links already point at this file
    await writeTree(plan.paths.tftp, [{ kind: 'copy', path: initrdFile(kver, name), source: initrd }])
  }
  return kver
}

/** The config with initrd.split_nics off for one instance (its own initrd settings, or the top-level ones). */
function wholeInitrd(config: SidusConfig, name: string): SidusConfig {
  const own = config.instances[name]
  if (own?.initrd) return { ...config, instances: { ...config.instances, [name]: { ...own, initrd: { ...own.initrd, split_nics: false } } } }
  return { ...config, initrd: { ...config.initrd, split_nics: false } }
}

/**
 * The stage's tree, apart from the lab's: its kernels and initrds named after STAGED_NAME (no
 * instance's menus name them), its menu defaulting to it, no nodes of its own (every MAC that
 * boots while it is served gets the stage). sidus serve serves it for this boot only.
 */
async function publishStaged(ctx: Ctx, plan: LabPlan, lab: SidusConfig, target: BootTarget): Promise<{ config: SidusConfig; published: PublishSummary }> {
  const nodesFile = path.join(plan.paths.state, 'staged-nodes.yaml')
  await writeFileAtomic(nodesFile, '# sidus lab: a staged boot names no nodes\n', 0o644)
  const config: SidusConfig = {
    ...lab,
    paths: { ...lab.paths, roots: path.dirname(target.root), tftp: plan.paths.stagedTftp },
    nodes_file: nodesFile,
    default_instance: STAGED_NAME,
  }
  await mkdir(plan.paths.stagedTftp, { recursive: true })
  return { config, published: await publish({ ...ctx, config }, [STAGED_NAME]) }
}

/** Start QEMU (daemonized, network boot) in the lab's namespace, with its own run directory. */
async function startClient(ctx: Ctx, plan: LabPlan, namespace: string, target: BootTarget, uefiBoot: boolean, tap: string, keep: boolean): Promise<Client> {
  const dir = path.join(plan.paths.boots, `${new Date().toISOString().replace(/[:.]/g, '-')}-${macBare(target.mac)}`)
  await mkdir(dir, { recursive: true })
  const consoleLog = path.join(dir, 'console.log')
  const pidFile = path.join(dir, 'qemu.pid')
  let uefi: { code: string; vars: string } | undefined
  if (uefiBoot) {
    uefi = { code: OVMF_CODE, vars: path.join(dir, 'OVMF_VARS.fd') }
    await copyFile(OVMF_VARS, uefi.vars)
  }
  const started = Date.now()
  await ctx.runner.run(['ip', 'netns', 'exec', namespace, ...qemuArgv({
    tap, mac: target.mac, memoryMb: ctx.config.lab.memory_mb, consoleLog, pidFile, uefi, reboot: keep,
  })], { signal: ctx.signal })
  const pid = await readPid(pidFile)
  if (!pid) throw new ExternalError(`QEMU did not start (no pid in ${pidFile})`, { suggestion: `see ${consoleLog}` })
  ctx.log?.(`booting ${target.name}${target.staged ? ' (its stage)' : ''} on ${target.mac} (${target.mode}, ${uefi ? 'UEFI' : 'BIOS'}${keep ? ', kept' : ''}); console: ${consoleLog}`)
  return { dir, consoleLog, pidFile, pid, started, firmware: uefi ? 'uefi' : 'bios', tap }
}

/** The milestones (DHCP, kernel, root, login) are timed to this step: a tenth of a second, the precision they are printed to. */
const CONSOLE_POLL_MS = 100

/** Follow the serial console until the checks ended and a login prompt showed (or QEMU is gone), then stop the client (unless kept). */
async function watchClient(ctx: Ctx, client: Client, nonce: string, timeoutMs: number, keep: boolean, rescue: boolean): Promise<{ text: string; watcher: ConsoleWatcher }> {
  const watcher = new ConsoleWatcher(client.started)
  let text = ''
  try {
    await waitFor(async () => {
      text = await readFile(client.consoleLog, 'utf8').catch(() => '')
      watcher.update(text, Date.now())
      const probe = parseProbe(text, nonce)
      // a rescue boot never shows a login prompt: its report's end is the end
      if (probe.ended && (rescue || watcher.timings.login !== undefined)) return true
      if (!(await readPid(client.pidFile))) return true // the client powered off or QEMU died
      return undefined
    }, timeoutMs, CONSOLE_POLL_MS, ctx.signal)
  } finally {
    // a kept client that failed is stopped once judged (keepClient)
    if (!keep) await stopPids([client.pid])
  }
  return { text, watcher }
}

/** Compare what the client reported with the server's side, and time the milestones. */
async function judgeBoot(plan: LabPlan, target: BootTarget, client: Client, kver: string, nonce: string, seen: Observed, started: number): Promise<LabBootResult> {
  const { name, mac, mode, root } = target
  const published = target.staged ? STAGED_NAME : name
  const probe = parseProbe(seen.text, nonce)
  const probeFile = path.join(root, `.sidus-lab-${nonce}`)
  const probeOnServer = (await stat(probeFile).catch(() => undefined)) !== undefined
  // the master's deliberate write: the only file the lab leaves in a root, removed here
  if (probeOnServer) await rm(probeFile, { force: true })
  const cidr = parseCidr(plan.network)!
  const lease = leaseOf(seen.dnsmasqLog, mac)
  const http = seen.loader === 'ipxe-http' ? httpSent(seen.bootLog, lease ?? '') : undefined
  const checks = evaluateChecks({
    mac, server: plan.server, rootPath: root, mode, dnsmasqLog: seen.dnsmasqLog, bootFiles: [kernelFile(kver, published), initrdFile(kver, published)],
    tftpRoot: plan.paths.tftp, probe, httpSent: http?.files, probeOnServer, loginSeen: seen.watcher.timings.login !== undefined, rescue: target.rescue,
    rootLocked: /root account is locked/.test(seen.text),
    inNetwork: (ip) => { const n = parseIpv4(ip); return n !== undefined && inCidr(n, cidr) },
  })
  const tftpBytes = await sentBytes(seen.dnsmasqLog, target.staged ? plan.paths.stagedTftp : plan.paths.tftp, mac)
  const timings = { ...seen.watcher.timings }
  if (timings.dhcp === undefined) {
    // the BIOS firmware draws on VGA, not the serial console: dnsmasq's log has the time (to the second)
    const ack = firstAckAt(seen.dnsmasqLog, mac, new Date(client.started).getFullYear())
    if (ack !== undefined) timings.dhcp = Math.max(0, Math.round((ack - client.started) / 100) / 10)
  }
  const { txBefore, txAfter } = seen
  const ok = checks.every((c) => c.ok)
  return {
    instance: name, mac, mode, firmware: client.firmware, ok, checks, timings, client: { hostname: probe.hostname, codename: probe.codename, analyze: probe.analyze, units: probe.units },
    loader: seen.loader, leases: acksOf(seen.dnsmasqLog, mac),
    bytes: { tftp: tftpBytes, http: http?.bytes, nfs: txBefore !== undefined && txAfter !== undefined ? Math.max(0, txAfter - txBefore - tftpBytes - (http?.bytes ?? 0)) : undefined },
    consoleLog: client.consoleLog, consoleTail: ok ? undefined : consoleTail(seen.text), once: target.rescue ? 'rescue' : undefined, seconds: Math.round((Date.now() - started) / 100) / 10,
  }
}

/** what a lab client leaves unmounted: the root's /home line (see checkArgs) */
export const LAB_NO_HOME = 'systemd.mask=home.mount'

/**
 * The lab's kernel arguments: the boot's nonce, and systemd.run= mounting the lab's
 * read-only probe export on /run (a tmpfs) and running check.sh from it. Nothing is
 * written into the root, and the client stays up until the lab stops it.
 */
export function checkArgs(plan: LabPlan, nonce: string, rescue = false): string {
  // no && (iPXE would run what follows as a command of its own): a failed mount leaves exec nothing to run, the checks say so
  const run = `mkdir -p /run/sidus-lab; mount -t nfs -o ro,nolock,vers=3 ${plan.server}:${plan.paths.probe} /run/sidus-lab; exec /bin/sh /run/sidus-lab/check.sh`
  // systemd.run= makes kernel-command-line.target the default: the boot goes to multi-user.target
  // instead, as without the lab (getty on the serial console included), and the check is wanted by
  // the boot's target. Not systemd.wants=multi-user.target: systemd-debug-generator adds wants to the
  // systemd.unit= target when there is one, so a rescue boot (systemd.unit=emergency.target, later on
  // the line: the last one counts) would start multi-user.target, and never run the check.
  // The lab exports no /home (labConfig), and the root's fstab names the admin's server, which is not
  // in the lab's network: the mount could only time out, and systemd-user-sessions (so the login
  // prompt) waits for home.mount (~20 s, x-systemd.mount-timeout, on every lab boot). Not mounted.
  // The check itself runs beside the boot, not as one of its jobs (systemd-run --no-block: the
  // oneshot systemd.run= makes ends at once): a boot job still running holds back the serial getty
  // (Type=idle, up to 5 s), so the login prompt the lab times would wait for the lab's own mount and
  // checks. No default dependencies: on a rescue boot they would pull sysinit.target, which stops emergency.target.
  const args = `sidus.lab=${nonce} systemd.run="/bin/systemd-run --no-block --quiet --collect --property=DefaultDependencies=no /bin/sh -c '${run}'" systemd.run_success_action=none systemd.run_failure_action=none systemd.unit=multi-user.target systemd.wants=kernel-command-line.service ${LAB_NO_HOME}`
  return rescue ? `${args} ${rescueCheckArg()}` : args
}

async function sentBytes(dnsmasqLog: string, tftp: string, mac: string): Promise<number> {
  const ip = leaseOf(dnsmasqLog, mac)
  let total = 0
  for (const f of ip ? tftpSent(dnsmasqLog, tftp, ip) : []) total += (await stat(path.join(tftp, f)).catch(() => undefined))?.size ?? 0
  return total
}
