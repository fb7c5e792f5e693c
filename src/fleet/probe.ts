import path from 'node:path'

/** What assets/fleet/status.sh reports of one node. */
export interface NodeProbe {
  generation: number
  /** the instance its NFS root is (from root= on its kernel command line) */
  instance?: string
  /** the boot mode in place, from /run/sidus/state (overlay, aufs, rw, ro, none) */
  mode?: string
  requestedMode?: string
  kernel?: string
  uptimeSeconds?: number
  load?: string
  bootId?: string
  /** use % of the overlay's tmpfs, when the node has one */
  overlayUse?: number
}

/** Parse the probe's key=value lines; unknown keys are ignored, a missing generation is 1. */
export function parseProbe(text: string): NodeProbe {
  const kv = new Map<string, string>()
  for (const line of text.split('\n')) {
    const i = line.indexOf('=')
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim())
  }
  const int = (k: string) => (/^\d+$/.test(kv.get(k) ?? '') ? Number(kv.get(k)) : undefined)
  const text_ = (k: string) => kv.get(k) || undefined
  return {
    generation: int('generation') ?? 1,
    instance: instanceOfRoot(kv.get('cmdline_root')),
    mode: text_('state_mode'),
    requestedMode: text_('state_requested'),
    kernel: text_('kernel'),
    uptimeSeconds: int('uptime'),
    load: text_('load'),
    bootId: text_('boot_id'),
    overlayUse: int('overlay_use'),
  }
}

/** `nfs:<server>:<roots>/<name>:<options>` (sidus's root=) → <name>. */
export function instanceOfRoot(root: string | undefined): string | undefined {
  if (!root) return undefined
  const m = /^nfs4?:[^:]*:([^:]+)/.exec(root)
  return m ? path.basename(m[1]) : undefined
}

/** What the live root of an instance holds: what a node booted now would run. */
export interface LiveRoot { instance: string; generation: number; kernel?: string }

/** The overlay tmpfs is called full from this use on (RAM-backed overlays fail when it fills). */
export const FULL_PERCENT = 80

/**
 * Why a node must reboot to run its live root: an older (or other) generation, another
 * kernel, another instance. Empty when current, or when the live root is not known.
 */
export function staleReasons(probe: NodeProbe, live: LiveRoot | undefined): string[] {
  if (!live) return []
  const reasons: string[] = []
  if (probe.instance && probe.instance !== live.instance) reasons.push(`booted ${probe.instance}, assigned ${live.instance}`)
  if (probe.generation !== live.generation) reasons.push(`generation ${probe.generation}, live ${live.generation}`)
  if (live.kernel && probe.kernel && probe.kernel !== live.kernel) reasons.push(`kernel ${probe.kernel}, live ${live.kernel}`)
  return reasons
}

export const isFull = (probe: NodeProbe) => probe.overlayUse !== undefined && probe.overlayUse >= FULL_PERCENT
