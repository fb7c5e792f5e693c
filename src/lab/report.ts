import type { LabBootResult } from './boot.js'

/** The human report of one lab boot: each check, the timings, and on failure the console's tail. */
export function renderBootResult(r: LabBootResult): string {
  const t = r.timings
  const s = (v?: number) => (v === undefined ? '-' : `${v.toFixed(1)} s`)
  const lines = [
    `${r.instance} on ${r.mac} (${r.firmware.toUpperCase()}, ${r.mode}): ${r.ok ? 'all checks passed' : 'FAILED'} in ${r.seconds.toFixed(1)} s`,
    ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(6)} ${c.detail}`),
    `  timings from QEMU start: DHCP ${s(t.dhcp)}, kernel ${s(t.kernel)}, root mounted ${s(t.root)}, login prompt ${s(t.login)}`,
    `  the client: host name ${r.client.hostname ?? '?'}, Debian ${r.client.codename ?? '?'}`,
    `  bytes: TFTP ${r.bytes.tftp}${r.bytes.http === undefined ? '' : `, HTTP ${r.bytes.http}`}${r.bytes.nfs === undefined ? '' : `, NFS (and the rest) ${r.bytes.nfs}`}`,
    `  console log: ${r.consoleLog}`,
  ]
  if (!r.ok && r.consoleTail) lines.push('  last console lines:', ...r.consoleTail.split('\n').map((l) => `    ${l}`))
  return lines.join('\n')
}
