import type { BootMode } from '../config/schema.js'
import { INSTANCE_NAME } from '../domain/instance-name.js'
import { UsageError } from '../errors.js'

/**
 * What a one-shot override boots: another instance (and mode), `rescue` (the node's own
 * instance into systemd's emergency.target: a root shell on the console, nothing else started),
 * or `local` (iPXE exits to the next boot device, the local disk). An instance named local or
 * rescue is reached as local:overlay.
 */
export type BootTarget = { kind: 'instance'; instance: string; mode?: BootMode } | { kind: 'rescue' } | { kind: 'local' }

/**
 * The kernel arguments a rescue boot adds: systemd's emergency target, and sulogin forced to give
 * the console a root shell. sidus's roots lock root's password (fleet access is by SSH key): without
 * the force, sulogin only says "the root account is locked" and waits for Enter, then boots on to the
 * default target (systemd-sulogin-shell does, after sulogin). Whoever asked for the rescue boot (`sidus node boot --once rescue`,
 * as root on the server) meant that shell; it lasts this one boot.
 */
export const RESCUE_ARG = 'systemd.unit=emergency.target systemd.setenv=SYSTEMD_SULOGIN_FORCE=1'
/** modes a one-shot boot may use: rw belongs to the instance's master only */
const ONCE_MODES: BootMode[] = ['overlay', 'aufs']
const FIX = 'give an instance (bookworm64 or bookworm64:aufs), rescue or local'

export function parseBootTarget(text: string): BootTarget {
  const t = text.trim()
  if (t === 'local') return { kind: 'local' }
  if (t === 'rescue') return { kind: 'rescue' }
  const [instance, mode, ...rest] = t.split(':')
  if (rest.length > 0 || !instance || !INSTANCE_NAME.test(instance)) {
    throw new UsageError(`boot target ${JSON.stringify(text)} is not an instance[:mode], rescue or local`, { suggestion: FIX })
  }
  if (mode === undefined) return { kind: 'instance', instance }
  if (!ONCE_MODES.includes(mode as BootMode)) {
    throw new UsageError(`boot mode ${JSON.stringify(mode)} of ${JSON.stringify(text)} is not one of ${ONCE_MODES.join(', ')}`, {
      suggestion: 'a one-shot boot is overlay or aufs (rw is the instance\'s master, set with sidus master set)',
    })
  }
  return { kind: 'instance', instance, mode: mode as BootMode }
}

export function formatBootTarget(t: BootTarget): string {
  return t.kind === 'instance' ? `${t.instance}${t.mode ? `:${t.mode}` : ''}` : t.kind
}
