import { stat } from 'node:fs/promises'
import path from 'node:path'
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
  /**
   * each root's directory as the file system knows it (device:inode): a promote or rollback puts
   * another directory at the same path, which ganesha (resolving Path once, at start) must be restarted to see
   */
  rootIds?: Record<string, string>
  /** the fleet inventory (nodes.yaml), group values applied; none when absent */
  nodes?: ResolvedNode[]
}

/** The model of this server: every root directory under paths.roots (created or adopted) and the master registry. */
export async function loadServerModel(ctx: Ctx): Promise<ServerModel> {
  const config = ctx.config
  const inventory = await loadInventory(config)
  const instances = await listRootNames(config)
  return {
    config, instances, masters: await readMasters(config), generations: await listKeptGenerationDirs(config), rootIds: await rootIdsOf(config, instances),
    nodes: inventory.nodes.map((n) => resolveNode(inventory, n)),
  }
}


async function rootIdsOf(config: SidusConfig, instances: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of instances) {
    const st = await stat(path.join(config.paths.roots, name)).catch(() => undefined)
    if (st) out[name] = `${st.dev}:${st.ino}`
  }
  return out
}
