import { chmod, lstat, mkdir, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { ConflictError } from '../errors.js'
import { requireProgram } from '../run/programs.js'
import { tempNameFor } from '../state/atomic.js'

/** sidus's own SSH material: the fleet key and the nodes' host keys, under the state dir. */
export const fleetSshDir = (config: SidusConfig) => path.join(config.paths.state, 'ssh')
export const fleetKeyFile = (config: SidusConfig) => path.join(fleetSshDir(config), 'id_ed25519')

export interface FleetKey { privateKeyFile: string; publicKey: string; created: boolean }

/**
 * The fleet key, made on first use (ed25519, no passphrase: sidus logs in unattended), the
 * directory 0700 and the private key 0600. ssh-keygen writes beside the target and the pair
 * is renamed into place, the public half last: a crash leaves no half-made key taken as whole.
 */
export async function ensureFleetKey(ctx: Ctx): Promise<FleetKey> {
  const dir = fleetSshDir(ctx.config)
  const file = fleetKeyFile(ctx.config)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  const existing = await readPublic(file)
  if (existing) return { privateKeyFile: file, publicKey: existing, created: false }
  await requireProgram(ctx.runner, 'ssh-keygen')
  const tmp = tempNameFor(file)
  try {
    await ctx.runner.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'sidus fleet key', '-f', tmp], { signal: ctx.signal })
    await chmod(tmp, 0o600)
    await rename(tmp, file)
    await rename(`${tmp}.pub`, `${file}.pub`)
  } finally {
    await rm(tmp, { force: true })
    await rm(`${tmp}.pub`, { force: true })
  }
  const made = await readPublic(file)
  if (!made) throw new ConflictError(`ssh-keygen left no public key ${file}.pub`, { suggestion: `remove ${dir} and run the command again` })
  return { privateKeyFile: file, publicKey: made, created: true }
}

/** The public key line, when both halves are there. */
async function readPublic(file: string): Promise<string | undefined> {
  try {
    await lstat(file)
    return (await readFile(`${file}.pub`, 'utf8')).trim() || undefined
  } catch {
    return undefined
  }
}
