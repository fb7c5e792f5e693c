import type { Ctx } from '../context.js'
import { applyServerConfig } from '../services/index.js'

/**
 * THE call site where a master change reaches the server's services: the rw NFS export
 * and the DHCP host entry are rendered by src/services from masters.yaml, so they are
 * re-applied right after the registry changes — but only on a server where
 * `sidus server apply` installed sidus's files (onlyIfApplied). `root` is for tests.
 */
export async function syncServices(ctx: Ctx, root?: string): Promise<string | undefined> {
  let summary
  try {
    summary = await applyServerConfig(ctx, { onlyIfApplied: true, root })
  } catch (error) {
    // the registry is already committed: a service config that cannot be rendered or written
    // must not block the boot files (the old master's are gone, nothing boots rw meanwhile)
    const message = `services not updated: ${(error as Error).message}; fix it and run \`sidus server apply\``
    ctx.log?.(`warning: ${message}`)
    return message
  }
  const failed = summary.reloads.filter((r) => r.status === 'failed')
  for (const r of failed) ctx.log?.(`warning: reloading ${r.service} failed (${r.reason}); run \`sidus server apply\` once it is fixed`)
  return summary.skipped
}
