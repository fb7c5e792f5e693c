import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { readMasters, type MasterRegistry } from '../state/masters.js'
import { listRootNames } from '../state/roots.js'

/** Everything the service renderers read: the admin's config, the roots on disk, the masters. */
export interface ServerModel {
  config: SidusConfig
  /** root directory names under paths.roots, sorted */
  instances: string[]
  masters: MasterRegistry
}

/** The model of this server: every root directory under paths.roots (created or adopted) and the master registry. */
export async function loadServerModel(ctx: Ctx): Promise<ServerModel> {
  const config = ctx.config
  return { config, instances: await listRootNames(config), masters: await readMasters(config) }
}

