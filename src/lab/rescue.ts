import { readFile } from 'node:fs/promises'
import type { BootLoader } from '../config/schema.js'
import { resolveInRoot } from '../chroot/root.js'
import { UsageError } from '../errors.js'
import { installedPackages } from '../generations/dpkg-status.js'
import { formatBootTarget, parseBootTarget } from '../serve/target.js'

/**
 * The first systemd whose debug generator writes unit drop-ins passed as credentials: the lab's
 * check needs one to run on a rescue boot (below).
 */
export const RESCUE_CHECK_SYSTEMD = 256

/** The check unit's drop-in on a rescue boot: no default dependencies (no sysinit.target, which emergency.target stops) */
export const RESCUE_CHECK_DROPIN = '[Unit]\nDefaultDependencies=no\n'

/**
 * The rescue boot's extra lab argument: sysinit.target conflicts with emergency.target, so the check's
 * unit (systemd.run='s, with default dependencies: Requires=sysinit.target) would be dropped from the
 * boot and never run. This credential becomes a drop-in that frees it of them.
 */
export const rescueCheckArg = (): string =>
  `systemd.set_credential_binary=systemd.unit-dropin.kernel-command-line.service:${Buffer.from(RESCUE_CHECK_DROPIN).toString('base64')}`

/**
 * What the lab can boot once and check: `rescue`, of a node of the inventory, over HTTP (sidus serve
 * serves one-shots), of a root whose systemd runs the check on it.
 */
export async function checkLabOnce(once: string, r: { name: string; root: string; mac: string; node?: string; loader: BootLoader }): Promise<void> {
  const target = parseBootTarget(once)
  if (target.kind !== 'rescue') {
    throw new UsageError(`the lab boots and checks --once rescue only, not ${formatBootTarget(target)}`, {
      suggestion: target.kind === 'instance' ? `boot the instance itself: sidus lab boot ${target.instance} --mac ${r.mac}` : 'leave --once out',
    })
  }
  if (!r.node) throw new UsageError(`--once needs a node of the inventory: ${r.mac} is none`, { suggestion: `sidus node add NAME ${r.mac}, then sidus lab boot ${r.name} --mac ${r.mac} --once rescue` })
  if (r.loader !== 'ipxe-http') throw new UsageError('--once is served by sidus serve: it needs an HTTP boot', { suggestion: 'leave --tftp out' })
  const systemd = await rootSystemdMajor(r.root)
  if (systemd !== undefined && systemd < RESCUE_CHECK_SYSTEMD) {
    throw new UsageError(`${r.name} has systemd ${systemd}: the lab checks a rescue boot from inside with systemd ${RESCUE_CHECK_SYSTEMD} or later (its check runs through a credential drop-in)`, {
      suggestion: `rescue-boot a node of a newer root in the lab (trixie on), or on the fleet: sidus node boot ${r.node} --once rescue`,
    })
  }
}

/** The root's systemd major version from its dpkg status (read inside the root), when it says. */
async function rootSystemdMajor(root: string): Promise<number | undefined> {
  try {
    const version = installedPackages(await readFile(await resolveInRoot(root, 'var/lib/dpkg/status'), 'utf8')).get('systemd')
    const major = version ? Number.parseInt(version.replace(/^\d+:/, ''), 10) : Number.NaN
    return Number.isFinite(major) ? major : undefined
  } catch {
    return undefined
  }
}
