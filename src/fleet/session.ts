import type { Ctx } from '../context.js'
import type { FleetSsh } from './connect.js'
import { ensureFleetKey } from './key.js'
import { KnownHosts, knownHostsFile } from './known-hosts.js'

/** Options every fleet command takes. */
export interface FleetOptions {
  /** at most this many nodes at once (default 32) */
  parallel?: number
  /** seconds per node (default 10) */
  timeout?: number
}

export const DEFAULT_PARALLEL = 32
export const DEFAULT_TIMEOUT_S = 10
/** nodes answer SSH on its standard port; the tests run real sshds in network namespaces of their own */
export const SSH_PORT = 22

/** The fleet key (made on first use) and known hosts, ready for withNode. */
export async function fleetSsh(ctx: Ctx, opts: FleetOptions = {}): Promise<FleetSsh> {
  const key = await ensureFleetKey(ctx)
  return {
    privateKeyFile: key.privateKeyFile,
    knownHosts: new KnownHosts(knownHostsFile(ctx.config)),
    port: SSH_PORT,
    timeoutMs: Math.round((opts.timeout ?? DEFAULT_TIMEOUT_S) * 1000),
    signal: ctx.signal,
  }
}
