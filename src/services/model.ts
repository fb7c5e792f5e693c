import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { readMasters } from '../inventory/masters.js'
import type { MasterRegistry } from '../state/masters.js'
import { listKeptGenerationDirs, listRootNames } from '../state/roots.js'
import { loadInventory } from '../inventory/file.js'
import { resolveNode, type ResolvedNode } from '../inventory/model.js'

/** Everything the service renderers read: the admin's config, the roots on disk, the masters, the nodes. */
export interface ServerModel {
  config: SidusConfig
  /** root directory names under paths.roots, sorted */
  instances: string[]
  masters: MasterRegistry
  /** kept generations of the roots (.generations/<name>/<N>), exported read-only so clients booted on them keep their file handles */
  generations?: string[]
  /** the fleet inventory (nodes.yaml), group values applied; none when absent */
  nodes?: ResolvedNode[]
}

/** The model of this server: every root directory under paths.roots (created or adopted) and the master registry. */
export async function loadServerModel(ctx: Ctx): Promise<ServerModel> {
  const config = ctx.config
  const inventory = await loadInventory(config)
  return {
    config, instances: await listRootNames(config), masters: await readMasters(config), generations: await listKeptGenerationDirs(config),
    nodes: inventory.nodes.map((n) => resolveNode(inventory, n)),
  }
}

