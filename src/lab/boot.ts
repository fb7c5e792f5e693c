import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { inCidr, parseCidr, parseIpv4 } from '../config/net.js'
import type { BootMode } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { ExternalError, NotFoundError, UsageError } from '../errors.js'
import { publish } from '../publish/index.js'
import { initrdFile, kernelFile } from '../domain/kernel.js'
import { macBare, parseMac } from '../domain/mac.js'
import { writeTree } from '../publish/writer.js'
import { readMasters } from '../state/masters.js'
import { rootDir } from '../state/layout.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { evaluateChecks, firstAckAt, leaseOf, tftpSent, type LabCheck } from './checks.js'
import { ConsoleWatcher, consoleTail, parseProbe, type Timings } from './console.js'
import { runningLab, syncLabMasters } from './lab.js'
import { tapTxBytes } from './netns.js'
import { labConfig, labPlan, type LabPlan } from './plan.js'
import { readPid, stopPids, waitFor } from './process.js'
import { DEFAULT_CLIENT_MAC, OVMF_CODE, OVMF_VARS, qemuArgv } from './qemu.js'
import { restart, writeServiceConfigs } from './services.js'

export interface LabBootOptions {
  mac?: string
  uefi?: boolean
  /** default: rw for the instance's master MAC, else boot.default_mode */
  mode?: BootMode
  timeoutSeconds?: number
  /** boot this initrd instead of the published one (bench/boot's stock dracut image); written into the lab's own tree only */
  initrd?: string
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
  bytes: { tftp: number; nfs?: number }
  consoleLog: string
  /** the console's last lines, when a check failed */
  consoleTail?: string
  seconds: number
}

export const DEFAULT_BOOT_TIMEOUT = 600

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
  const root = rootDir(ctx.config, name)
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) {
    throw new NotFoundError(`no instance ${name} under ${ctx.config.paths.roots}`, { suggestion: `sidus create ${name}, or see sidus list` })
  }
  const mac = parseMac(opts.mac ?? DEFAULT_CLIENT_MAC)
  const master = (await readMasters(ctx.config))[name]
  const isMaster = master?.mac.toLowerCase() === mac
  if (isMaster && opts.mode && opts.mode !== 'rw') {
    throw new UsageError(`${mac} is the master of ${name}: it always boots the root read-write`, { suggestion: `boot another MAC for --mode ${opts.mode}` })
  }
  const mode: BootMode = isMaster ? 'rw' : (opts.mode ?? ctx.config.boot.default_mode)
  const timeout = (opts.timeoutSeconds ?? DEFAULT_BOOT_TIMEOUT) * 1000

  // --mode rw for a MAC that is not the master: the lab (only) makes it the master
  await syncLabMasters(ctx, plan, mode === 'rw' && !isMaster ? { [name]: { instance: name, mac, since: new Date().toISOString() } } : {})
  const nonce = randomBytes(6).toString('hex')
  const config = labConfig(ctx.config, plan, checkArgs(plan, nonce))
  if (mode !== 'rw') config.boot.default_mode = mode
  const labCtx = { ...ctx, config }
  const published = await publish(labCtx, [])
  const changed = await writeServiceConfigs(labCtx, plan, config)
  if (changed.dnsmasq) await restart(ctx, plan, 'dnsmasq')
  if (changed.ganesha) await restart(ctx, plan, 'ganesha')

  const kver = published.instances.find((i) => i.name === name)?.kernels[0]
  if (!kver) throw new NotFoundError(`${name} has no kernel to boot`, { suggestion: `install one in the root (sidus exec ${name} -- apt-get install linux-image-amd64)` })
  if (opts.initrd) {
    // through the tree writer: the efi32/efi64 links already point at this file
    await writeTree(plan.paths.tftp, [{ kind: 'copy', path: initrdFile(kver, name), source: opts.initrd }])
  }
  const dir = path.join(plan.paths.boots, `${new Date().toISOString().replace(/[:.]/g, '-')}-${macBare(mac)}`)
  await mkdir(dir, { recursive: true })
  const consoleLog = path.join(dir, 'console.log')
  const pidFile = path.join(dir, 'qemu.pid')
  let uefi: { code: string; vars: string } | undefined
  if (opts.uefi) {
    uefi = { code: OVMF_CODE, vars: path.join(dir, 'OVMF_VARS.fd') }
    await copyFile(OVMF_VARS, uefi.vars)
  }
  const dnsmasqLogStart = (await stat(plan.paths.dnsmasqLog).catch(() => undefined))?.size ?? 0
  const txBefore = await tapTxBytes(ctx, plan)
  const probeFile = path.join(root, `.sidus-lab-${nonce}`)

  const qemuStart = Date.now()
  await ctx.runner.run(['ip', 'netns', 'exec', lab.namespace, ...qemuArgv({
    tap: plan.tap, mac, memoryMb: ctx.config.lab.memory_mb, consoleLog, pidFile, uefi,
  })], { signal: ctx.signal })
  const qemuPid = await readPid(pidFile)
  if (!qemuPid) throw new ExternalError(`QEMU did not start (no pid in ${pidFile})`, { suggestion: `see ${consoleLog}` })
  ctx.log?.(`booting ${name} on ${mac} (${mode}, ${uefi ? 'UEFI' : 'BIOS'}); console: ${consoleLog}`)
  const watcher = new ConsoleWatcher(qemuStart)
  let text = ''
  try {
    await waitFor(async () => {
      text = await readFile(consoleLog, 'utf8').catch(() => '')
      watcher.update(text, Date.now())
      const probe = parseProbe(text, nonce)
      if (probe.ended && watcher.timings.login !== undefined) return true
      if (!(await readPid(pidFile))) return true // the client powered off or QEMU died
      return undefined
    }, timeout, 500, ctx.signal)
  } finally {
    await stopPids([qemuPid])
  }
  const txAfter = await tapTxBytes(ctx, plan)

  const dnsmasqLog = (await readFile(plan.paths.dnsmasqLog, 'utf8').catch(() => '')).slice(dnsmasqLogStart)
  const probe = parseProbe(text, nonce)
  const probeOnServer = (await stat(probeFile).catch(() => undefined)) !== undefined
  // the master's deliberate write: the only file the lab leaves in a root, removed here
  if (probeOnServer) await rm(probeFile, { force: true })
  const cidr = parseCidr(plan.network)!
  const bootFiles = [kernelFile(kver, name), initrdFile(kver, name)]
  const checks = evaluateChecks({
    mac, server: plan.server, rootPath: root, mode, dnsmasqLog, bootFiles,
    tftpRoot: plan.paths.tftp, probe, probeOnServer, loginSeen: watcher.timings.login !== undefined,
    inNetwork: (ip) => { const n = parseIpv4(ip); return n !== undefined && inCidr(n, cidr) },
  })
  const tftpBytes = await sentBytes(dnsmasqLog, plan, mac)
  const timings = { ...watcher.timings }
  if (timings.dhcp === undefined) {
    // the BIOS firmware draws on VGA, not the serial console: dnsmasq's log has the time (to the second)
    const ack = firstAckAt(dnsmasqLog, mac, new Date(qemuStart).getFullYear())
    if (ack !== undefined) timings.dhcp = Math.max(0, Math.round((ack - qemuStart) / 100) / 10)
  }
  const ok = checks.every((c) => c.ok)
  return {
    instance: name, mac, mode, firmware: uefi ? 'uefi' : 'bios', ok, checks, timings,
    bytes: { tftp: tftpBytes, nfs: txBefore !== undefined && txAfter !== undefined ? Math.max(0, txAfter - txBefore - tftpBytes) : undefined },
    consoleLog, consoleTail: ok ? undefined : consoleTail(text), seconds: Math.round((Date.now() - started) / 100) / 10,
  }
}

/**
 * The lab's kernel arguments: the boot's nonce, and systemd.run= mounting the lab's
 * read-only probe export on /run (a tmpfs) and running check.sh from it. Nothing is
 * written into the root, and the client stays up until the lab stops it.
 */
export function checkArgs(plan: LabPlan, nonce: string): string {
  const run = `mkdir -p /run/sidus-lab && mount -t nfs -o ro,nolock,vers=3 ${plan.server}:${plan.paths.probe} /run/sidus-lab && exec /bin/sh /run/sidus-lab/check.sh`
  // systemd.run= makes kernel-command-line.target the default: multi-user.target is pulled in
  // so the client boots as it would without the lab (getty on the serial console included)
  return `sidus.lab=${nonce} systemd.run="/bin/sh -c '${run}'" systemd.run_success_action=none systemd.run_failure_action=none systemd.wants=multi-user.target`
}

async function sentBytes(dnsmasqLog: string, plan: LabPlan, mac: string): Promise<number> {
  const ip = leaseOf(dnsmasqLog, mac)
  let total = 0
  for (const f of ip ? tftpSent(dnsmasqLog, plan.paths.tftp, ip) : []) total += (await stat(path.join(plan.paths.tftp, f)).catch(() => undefined))?.size ?? 0
  return total
}
