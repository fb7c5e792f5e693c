import type { Ctx } from '../context.js'
import { resolveInstance } from '../instances/current.js'
import { rootDir } from '../state/layout.js'
import { authorizeKeyInRoot, type AuthorizeResult } from './authorized-keys.js'
import { ensureFleetKey } from './key.js'

export interface KeyInstallResult { instance: string; file: string; result: AuthorizeResult; keyCreated: boolean; publicKey: string }

/** Authorize the fleet key (made on first use) for root logins into a root directory (create's staging dir, or an instance's). */
export async function installFleetKeyInRoot(ctx: Ctx, root: string): Promise<{ file: string; result: AuthorizeResult; keyCreated: boolean; publicKey: string }> {
  const key = await ensureFleetKey(ctx)
  const done = await authorizeKeyInRoot(root, key.publicKey)
  return { ...done, keyCreated: key.created, publicKey: key.publicKey }
}

/** `sidus ssh-key install [NAME]`: the fleet key into an instance's /root/.ssh/authorized_keys. */
export async function installFleetKey(ctx: Ctx, name?: string): Promise<KeyInstallResult> {
  const { name: instance } = await resolveInstance(ctx.config, name)
  return { instance, ...(await installFleetKeyInRoot(ctx, rootDir(ctx.config, instance))) }
}
