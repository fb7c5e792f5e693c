/**
 * Reading a client's serial console: boot milestones (first time each appears) and the
 * check script's marker lines. Pure: the caller feeds text and clock readings.
 */
export type Milestone = 'dhcp' | 'kernel' | 'root' | 'login'

/** What each milestone looks like on the console, from power-on to the login prompt. */
export const MILESTONES: { name: Milestone; pattern: RegExp }[] = [
  // the firmware's DHCP, when it prints on the serial console (iPXE does under -nographic,
  // OVMF says "Station IP address"); otherwise the lab takes it from dnsmasq's log
  { name: 'dhcp', pattern: /net\d+: \d+\.\d+\.\d+\.\d+\/|Station IP address is \d+\.\d+\.\d+\.\d+/ },
  // the kernel is loaded and running (its first console line)
  { name: 'kernel', pattern: /Linux version \d/ },
  // the initrd has mounted the root and hands over to it (systemd and dracut's shell init both say so)
  { name: 'root', pattern: /initrd-switch-root\.target|Switching root|switching root/ },
  { name: 'login', pattern: /login: / },
]

/** Milestone times in seconds since QEMU started. */
export type Timings = Partial<Record<Milestone, number>>

/** Follows a growing console log; records the first time each milestone shows up. */
export class ConsoleWatcher {
  readonly timings: Timings = {}
  private text = ''
  constructor(private readonly startedAt: number) {}

  /** feed the whole console text read so far, at time `now` (ms) */
  update(text: string, now: number): void {
    this.text = text
    for (const m of MILESTONES) {
      if (this.timings[m.name] === undefined && m.pattern.test(text)) this.timings[m.name] = round1((now - this.startedAt) / 1000)
    }
  }

  get content(): string {
    return this.text
  }
}

/** The check script's report: `SIDUS-LAB <nonce> <key> <value…>` lines. */
export interface ProbeReport {
  begun: boolean
  ended: boolean
  uptime?: number
  addresses: string[]
  root?: { fstype: string; source: string; options: string[] }
  mounts: { fstype: string; source: string; target: string }[]
  write?: 'ok' | 'failed'
  /** the client's host name and its /etc/os-release VERSION_CODENAME */
  hostname?: string
  codename?: string
  /** the client's `systemd-analyze` (time, critical chain, blame), once its boot was over */
  analyze?: ClientAnalyze
  /** the root's diskless-mask units and their LoadState on the client (masked, loaded, not-found) */
  units?: Record<string, string>
  /** once the boot settled: emergency.target's and multi-user.target's state (active, inactive…) */
  targets?: Record<string, string>
  /** the processes of emergency.service (sulogin, the root shell it gave the console), when it ran */
  emergency?: string[]
}

/** The client's own view of its boot, as systemd-analyze printed it; times in seconds. */
export interface ClientAnalyze {
  /** "Startup finished in …": firmware and loader only where the firmware says (UEFI with a supporting loader) */
  startup: Partial<Record<'firmware' | 'loader' | 'kernel' | 'initrd' | 'userspace' | 'total', number>>
  /** the line as printed: systemd-analyze's refusal when the boot did not finish in time */
  summary: string
  /** the critical chain to multi-user.target, from the target down: when each unit was active, how long it took to start */
  chain: { unit: string; at: number; took?: number }[]
  /** the slowest units to start, slowest first */
  blame: { unit: string; took: number }[]
}

// the console may insert \r and terminal escapes; a marker line is matched on its own
// eslint-disable-next-line no-control-regex -- ESC is what this pattern is for
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g

export function parseProbe(text: string, nonce: string): ProbeReport {
  const report: ProbeReport = { begun: false, ended: false, addresses: [], mounts: [] }
  const prefix = `SIDUS-LAB ${nonce} `
  for (const raw of text.replace(ESCAPES, '').split(/\r?\n|\r/)) {
    const at = raw.indexOf(prefix)
    if (at < 0) continue
    const line = raw.slice(at + prefix.length).trim()
    const [key, ...rest] = line.split(/\s+/)
    const value = rest.join(' ')
    switch (key) {
      case 'begin': {
        report.begun = true
        const up = /uptime=([\d.]+)/.exec(value)
        if (up) report.uptime = Number(up[1])
        break
      }
      case 'addr': report.addresses = rest.filter(Boolean); break
      case 'root': {
        const [fstype, source, options] = rest
        if (fstype) report.root = { fstype, source: source ?? '', options: (options ?? '').split(',').filter(Boolean) }
        break
      }
      case 'mounts':
        report.mounts = value.split('|').map((m) => m.trim().split(/\s+/)).filter((f) => f.length === 3)
          .map(([fstype, source, target]) => ({ fstype, source, target }))
        break
      case 'write': report.write = rest[0] === 'ok' ? 'ok' : 'failed'; break
      // the serial console may run a kernel message into the line ("n-trixie[   45.1] …"): keep the word only
      case 'host': report.hostname = /^[A-Za-z0-9][A-Za-z0-9.-]*/.exec(rest[0] ?? '')?.[0]; break
      case 'os': report.codename = /^[a-z][a-z0-9-]*/.exec(rest[0] ?? '')?.[0]; break
      case 'analyze': addAnalyzeLine((report.analyze ??= emptyAnalyze()), value); break
      case 'chain': {
        const m = /^(\S+) @(.+?)(?: \+(.+))?$/.exec(value)
        const at = m ? systemdSeconds(m[2]) : undefined
        if (m && at !== undefined) (report.analyze ??= emptyAnalyze()).chain.push({ unit: m[1], at, took: m[3] === undefined ? undefined : systemdSeconds(m[3]) })
        break
      }
      case 'blame': {
        const unit = rest.at(-1)
        const took = systemdSeconds(rest.slice(0, -1).join(' '))
        if (unit && took !== undefined) (report.analyze ??= emptyAnalyze()).blame.push({ unit, took })
        break
      }
      case 'units':
        report.units = Object.fromEntries(rest.map((u) => u.split('=')).filter(([unit]) => unit).map(([unit, state]) => [unit, state ?? '']))
        break
      case 'target':
        report.targets = Object.fromEntries(rest.map((u) => u.split('=')).filter(([unit]) => unit).map(([unit, state]) => [unit, state ?? '']))
        break
      case 'emergency': report.emergency = rest.filter(Boolean); break
      case 'end': report.ended = true; break
    }
  }
  return report
}

const emptyAnalyze = (): ClientAnalyze => ({ startup: {}, summary: '', chain: [], blame: [] })

/** `Startup finished in 4.5s (kernel) + 20.1s (initrd) + 40.3s (userspace) = 1min 4.9s`; other lines (the refusal) kept as the summary */
function addAnalyzeLine(a: ClientAnalyze, line: string): void {
  const m = /^Startup finished in (.+) = (.+)$/.exec(line)
  if (!m) {
    if (!a.summary) a.summary = line
    return
  }
  a.summary = line
  for (const part of m[1].split(' + ')) {
    const p = /^(.+) \((firmware|loader|kernel|initrd|userspace)\)$/.exec(part.trim())
    const v = p ? systemdSeconds(p[1]) : undefined
    if (p && v !== undefined) a.startup[p[2] as keyof ClientAnalyze['startup']] = v
  }
  const total = systemdSeconds(m[2])
  if (total !== undefined) a.startup.total = total
}

const UNIT_SECONDS: Record<string, number> = { h: 3600, min: 60, s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6 }

/** systemd's time spans: `1min 2.345s`, `530ms`, `2h 1min`; undefined for anything else */
export function systemdSeconds(text: string): number | undefined {
  const parts = text.trim().split(/\s+/)
  if (parts.length === 0 || parts[0] === '') return undefined
  let total = 0
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)(h|min|ms|us|µs|s)$/.exec(part)
    if (!m) return undefined
    total += Number(m[1]) * UNIT_SECONDS[m[2]]
  }
  return Math.round(total * 1000) / 1000
}

/** The last lines of the console, without terminal escapes, for failure reports. */
export function consoleTail(text: string, lines = 30): string {
  return text.replace(ESCAPES, '').split(/\r?\n/).map((l) => l.replace(/\r/g, '')).filter((l) => l.trim()).slice(-lines).join('\n')
}

function round1(n: number): number {
  return Math.round(n * 10) / 10
}
