import type { Ctx } from '../context.js'
import { syncServices } from '../publish/master-services.js'

/**
 * After a swap or a prune: the exports are rendered again (the kept generations are exported
 * read-only: the file handles of clients booted on them name their directory) and the NFS server
 * reloaded (kernel NFS: exportfs -ra, which also makes new mounts resolve the live path to its
 * new directory). Only where `sidus server apply` installed the services; else the reason.
 */
export async function reexportRoots(ctx: Ctx): Promise<{ note?: string }> {
  return { note: await syncServices(ctx) }
}
