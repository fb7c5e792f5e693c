import type { LabBootResult } from './boot.js'

/** The human report of one lab boot: each check, the timings, and on failure the console's tail. */
export function renderBootResult(r: LabBootResult): string {
  const t = r.timings
  const s = (v?: number) => (v === undefined ? '-' : `${v.toFixed(1)} s`)
  const lines = [
    `${r.instance} on ${r.mac} (${r.firmware.toUpperCase()}, ${r.mode}): ${r.ok ? 'all checks passed' : 'FAILED'} in ${r.seconds.toFixed(1)} s`,
    ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(6)} ${c.detail}`),
    `  timings from QEMU start: DHCP ${s(t.dhcp)}, kernel ${s(t.kernel)}, root mounted ${s(t.root)}, login prompt ${s(t.login)}`,
    ...analyzeLines(r.client.analyze),
    ...maskLines(r.client.units),
    `  the client: host name ${r.client.hostname ?? '?'}, Debian ${r.client.codename ?? '?'}`,
    `  bytes: TFTP ${r.bytes.tftp}${r.bytes.http === undefined ? '' : `, HTTP ${r.bytes.http}`}${r.bytes.nfs === undefined ? '' : `, NFS (and the rest) ${r.bytes.nfs}`}`,
    `  DHCP leases taken: ${r.leases}`,
    `  console log: ${r.consoleLog}`,
  ]
  if (!r.ok && r.consoleTail) lines.push('  last console lines:', ...r.consoleTail.split('\n').map((l) => `    ${l}`))
  return lines.join('\n')
}

/** The client's own view of its boot (systemd-analyze), beside the lab's outside timings. */
function analyzeLines(a?: LabBootResult['client']['analyze']): string[] {
  if (!a) return ['  the client\'s systemd-analyze: none reported (the boot did not settle, or the check script ended early)']
  const st = a.startup
  // a shell-init initrd (ours) is not systemd's: systemd then counts it in the kernel's time
  const label = (k: string) => (k === 'kernel' && st.initrd === undefined ? 'kernel (with the initrd)' : k)
  const parts = (['firmware', 'loader', 'kernel', 'initrd', 'userspace'] as const).filter((k) => st[k] !== undefined).map((k) => `${label(k)} ${st[k]!.toFixed(1)} s`)
  const lines = [parts.length ? `  the client's systemd-analyze: ${parts.join(' + ')}${st.total === undefined ? '' : ` = ${st.total.toFixed(1)} s`}` : `  the client's systemd-analyze: ${a.summary || '?'}`]
  if (a.chain.length) lines.push(`  critical chain: ${a.chain.slice(0, 5).map((c) => `${c.unit} @${c.at.toFixed(1)}${c.took === undefined ? '' : ` +${c.took.toFixed(1)}`}`).join(' <- ')}`)
  if (a.blame.length) lines.push(`  slowest units: ${a.blame.slice(0, 5).map((b) => `${b.unit} ${b.took.toFixed(1)} s`).join(', ')}`)
  return lines
}

function maskLines(units?: Record<string, string>): string[] {
  if (!units) return []
  const masked = Object.entries(units).filter(([, s]) => s === 'masked').map(([u]) => u)
  return [`  diskless masks: ${masked.length} of ${Object.keys(units).length} listed units masked${masked.length ? '' : ' (none: the master, or a root without the generator)'}`]
}
