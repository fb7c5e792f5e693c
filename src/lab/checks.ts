import path from 'node:path'
import type { BootMode } from '../config/schema.js'
import type { ProbeReport } from './console.js'
import { parseBootFile } from '../domain/kernel.js'
import { parseSplitPath, SPLIT_BASE } from '../domain/nic-split.js'

/** One check the lab reports after a boot. */
export interface LabCheck {
  name: 'dhcp' | 'tftp' | 'http' | 'root' | 'write' | 'login' | 'rescue'
  ok: boolean
  detail: string
}

/** Everything the checks look at, gathered by the lab after the boot. */
export interface BootFacts {
  mac: string
  /** the lab's address and network */
  server: string
  /** the root's directory on the server, as exported */
  rootPath: string
  mode: BootMode
  /** dnsmasq's log during this boot */
  dnsmasqLog: string
  /** the files the menu boots (kernel and initrd names in the TFTP tree) */
  bootFiles: string[]
  tftpRoot: string
  /** HTTP boot: the paths sidus serve sent the client (the kernel and initrd must be among them); undefined for a TFTP boot */
  httpSent?: string[]
  probe: ProbeReport
  /** whether the client's probe file showed up in the root on the server */
  probeOnServer: boolean
  loginSeen: boolean
  /** a rescue boot (a one-shot `rescue`): the last check is `rescue` (emergency.target and its shell, no login prompt) instead of `login` */
  rescue?: boolean
  /** sulogin said the root account is locked (no shell for the console) */
  rootLocked?: boolean
  inNetwork: (ip: string) => boolean
}

/** The addresses dnsmasq acknowledged to this MAC (its DHCPACKs), in the log's order. */
function ackedTo(dnsmasqLog: string, mac: string): string[] {
  const re = /DHCPACK\([^)]*\) (\d+\.\d+\.\d+\.\d+) ([0-9a-f:]{17})/gi
  return [...dnsmasqLog.matchAll(re)].filter((m) => m[2].toLowerCase() === mac.toLowerCase()).map((m) => m[1])
}

/** The lease dnsmasq gave this MAC (its last DHCPACK), if any. */
export function leaseOf(dnsmasqLog: string, mac: string): string | undefined {
  return ackedTo(dnsmasqLog, mac).at(-1)
}

/** How many leases dnsmasq gave this MAC (its DHCPACKs) in this part of its log. */
export function acksOf(dnsmasqLog: string, mac: string): number {
  return ackedTo(dnsmasqLog, mac).length
}

/** Files dnsmasq's TFTP server sent to `ip` (paths relative to the TFTP root). */
export function tftpSent(dnsmasqLog: string, tftpRoot: string, ip: string): string[] {
  const out: string[] = []
  for (const m of dnsmasqLog.matchAll(/dnsmasq-tftp\[\d+\]: sent (\S+) to (\d+\.\d+\.\d+\.\d+)/g)) {
    if (m[2] === ip) out.push(path.relative(tftpRoot, m[1]))
  }
  return out
}

/** The split initrd's files iPXE fetched (nics/<kver>@<instance>/base.img and one piece), or undefined. */
export function splitSent(files: string[]): string[] | undefined {
  const pieces = files.map((f) => f.replace(/^\//, '')).filter((f) => parseSplitPath(f))
  const base = pieces.find((f) => path.basename(f) === SPLIT_BASE)
  const piece = pieces.find((f) => path.basename(f) !== SPLIT_BASE)
  return base && piece ? [base, piece] : undefined
}

export function evaluateChecks(f: BootFacts): LabCheck[] {
  const lease = leaseOf(f.dnsmasqLog, f.mac)
  const clientIp = f.probe.addresses.find((a) => f.inNetwork(a))
  const dhcp: LabCheck = lease && clientIp === lease
    ? { name: 'dhcp', ok: true, detail: `${f.mac} got ${lease} from the lab's dnsmasq and runs with it` }
    : { name: 'dhcp', ok: false, detail: lease ? `lab leased ${lease} but the client reports ${f.probe.addresses.join(' ') || 'no address'}` : `no DHCPACK for ${f.mac} in the lab's dnsmasq log` }

  const sent = lease ? tftpSent(f.dnsmasqLog, f.tftpRoot, lease) : []
  // BIOS loaders fetch from the tree's root, EFI ones from the efi64/ links: compare file names
  const names = new Set(sent.map((s) => path.basename(s)))
  const missing = f.bootFiles.filter((b) => !names.has(b))
  let files: LabCheck = sent.length > 0 && missing.length === 0
    ? { name: 'tftp', ok: true, detail: `sent by TFTP: ${sent.join(', ')}` }
    : { name: 'tftp', ok: false, detail: `not sent by the lab's TFTP: ${missing.join(', ') || '(nothing)'}` }
  if (f.httpSent) {
    // HTTP boot: TFTP carries iPXE only, sidus serve the kernel and initrd
    const got = new Set(f.httpSent.map((s) => path.basename(s)))
    // a split initrd: its base and one piece (the NIC's vendor, or all) stand for the whole one
    const split = splitSent(f.httpSent)
    const standsIn = (b: string) => split !== undefined && parseBootFile(b)?.kind === 'initrd'
    const notSent = f.bootFiles.filter((b) => !got.has(b) && !standsIn(b))
    const named = f.bootFiles.map((b) => (standsIn(b) ? split!.join(' + ') : b))
    files = notSent.length === 0
      ? { name: 'http', ok: true, detail: `sent by HTTP: ${named.join(', ')}; by TFTP: ${sent.join(', ') || '(nothing)'}` }
      : { name: 'http', ok: false, detail: `not sent by the lab's sidus serve: ${notSent.join(', ')}` }
  }

  const nfsSource = `${f.server}:${f.rootPath}`
  const nfsMount = f.probe.mounts.find((m) => m.fstype.startsWith('nfs') && m.source === nfsSource)
  let root: LabCheck
  if (!f.probe.root) root = { name: 'root', ok: false, detail: 'the client reported no root mount (check script did not run)' }
  else if (f.mode === 'rw') {
    const ok = f.probe.root.fstype.startsWith('nfs') && f.probe.root.source === nfsSource && f.probe.root.options.includes('rw')
    root = { name: 'root', ok, detail: `/ is ${f.probe.root.fstype} ${f.probe.root.source} (${ok ? 'read-write NFS root' : `expected ${nfsSource} read-write`})` }
  } else {
    const upper = f.probe.root.fstype === 'overlay' || f.probe.root.fstype === 'aufs'
    const ok = upper && nfsMount !== undefined
    root = { name: 'root', ok, detail: ok
      ? `/ is ${f.probe.root.fstype} over the NFS root ${nfsSource} (at ${nfsMount.target})`
      : `/ is ${f.probe.root.fstype} ${f.probe.root.source}; expected an overlay whose lower layer is ${nfsSource}` }
  }

  let write: LabCheck
  if (f.probe.write !== 'ok') write = { name: 'write', ok: false, detail: 'the client could not write its probe file under /' }
  else if (f.mode === 'rw') {
    write = f.probeOnServer
      ? { name: 'write', ok: true, detail: 'a file written on the master appears in the root on the server (removed again)' }
      : { name: 'write', ok: false, detail: 'a file written on the master did not reach the root on the server' }
  } else {
    write = f.probeOnServer
      ? { name: 'write', ok: false, detail: 'a file written on the overlay client reached the root on the server' }
      : { name: 'write', ok: true, detail: 'a file written on the client stays in its tmpfs: the root on the server is unchanged' }
  }

  return [dhcp, files, root, write, f.rescue ? rescueCheck(f) : loginCheck(f)]
}

const targetsText = (t?: Record<string, string>) => (t ? Object.entries(t).map(([u, st]) => `${u} ${st}`).join(', ') : 'not reported')

/** A normal boot ends at a login prompt, on multi-user.target. */
function loginCheck(f: BootFacts): LabCheck {
  if (!f.loginSeen) return { name: 'login', ok: false, detail: 'no login prompt on the serial console' }
  const multiUser = f.probe.targets?.['multi-user.target']
  return multiUser === 'active'
    ? { name: 'login', ok: true, detail: 'the login prompt is on the serial console, multi-user.target active' }
    : { name: 'login', ok: false, detail: `a login prompt, but the client reports ${targetsText(f.probe.targets)} (expected multi-user.target active)` }
}

/**
 * A rescue boot ends in emergency.target, sulogin on the console offering the root shell (forced:
 * the root account is locked), multi-user.target never started, no login prompt.
 */
function rescueCheck(f: BootFacts): LabCheck {
  const t = f.probe.targets
  const sulogin = f.probe.emergency?.includes('sulogin')
  const wrong = [
    t?.['emergency.target'] !== 'active' && 'emergency.target is not active',
    t?.['multi-user.target'] === 'active' && 'multi-user.target is active',
    !sulogin && `no sulogin in emergency.service (it runs: ${f.probe.emergency?.join(' ') || 'nothing'})`,
    f.rootLocked && 'sulogin refused the console: the root account is locked',
    f.loginSeen && 'a login prompt showed on the console',
  ].filter(Boolean)
  return wrong.length === 0
    ? { name: 'rescue', ok: true, detail: `emergency.target active, multi-user.target ${t?.['multi-user.target']}; sulogin offers the console a root shell (emergency.service runs ${f.probe.emergency?.join(' ')}), no login prompt` }
    : { name: 'rescue', ok: false, detail: `not a rescue boot: ${wrong.join('; ')} (the client reports ${targetsText(t)})` }
}

/** When dnsmasq first acknowledged `mac` in this log (its syslog-style local time stamps), in ms since the epoch. */
export function firstAckAt(dnsmasqLog: string, mac: string, year: number): number | undefined {
  const re = /^(\w{3}\s+\d+ \d\d:\d\d:\d\d) dnsmasq-dhcp\[\d+\]: (?:\d+ )?DHCPACK\([^)]*\) \S+ ([0-9a-f:]{17})/gim
  for (const m of dnsmasqLog.matchAll(re)) {
    if (m[2].toLowerCase() !== mac.toLowerCase()) continue
    const t = Date.parse(`${m[1].replace(/\s+/, ' ')} ${year}`)
    if (Number.isFinite(t)) return t
  }
  return undefined
}
