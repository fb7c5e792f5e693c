import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConflictError } from '../../src/errors.js'
import { installFleetKey } from '../../src/fleet/install.js'
import { ensureFleetKey, fleetKeyFile } from '../../src/fleet/key.js'
import { tempCtx } from '../helpers/config.js'

/** The fleet key made with the real ssh-keygen and written into roots, hostile ones included. */
describe('the fleet key', () => {
  test('made once, 0600 in a 0700 dir; installed beside the keys already there, once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-fleetkey-'))
    const ctx = tempCtx(dir, ['demo'])
    const key = await ensureFleetKey(ctx)
    expect(key.created).toBe(true)
    expect(key.publicKey).toMatch(/^ssh-ed25519 \S+ sidus fleet key$/)
    expect(statSync(fleetKeyFile(ctx.config)).mode & 0o777).toBe(0o600)
    expect(statSync(path.dirname(fleetKeyFile(ctx.config))).mode & 0o777).toBe(0o700)
    // no temp file left beside it
    expect(readdirSync(path.dirname(fleetKeyFile(ctx.config))).sort()).toEqual(['id_ed25519', 'id_ed25519.pub'])
    expect(await ensureFleetKey(ctx)).toEqual({ ...key, created: false })

    const root = path.join(ctx.config.paths.roots, 'demo')
    mkdirSync(path.join(root, 'root/.ssh'), { recursive: true })
    const admin = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ admin@desk'
    writeFileSync(path.join(root, 'root/.ssh/authorized_keys'), admin) // no final newline
    const first = await installFleetKey(ctx, 'demo')
    expect(first.result).toBe('added')
    const file = path.join(root, 'root/.ssh/authorized_keys')
    expect(readFileSync(file, 'utf8')).toBe(`${admin}\n${key.publicKey}\n`)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect((await installFleetKey(ctx, 'demo')).result).toBe('unchanged')
    expect(readFileSync(file, 'utf8')).toBe(`${admin}\n${key.publicKey}\n`)
  })

  test('a root without /root/.ssh gets it, 0700', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-fleetkey-'))
    const ctx = tempCtx(dir, ['demo'])
    mkdirSync(path.join(ctx.config.paths.roots, 'demo/root'))
    await installFleetKey(ctx, 'demo')
    expect(statSync(path.join(ctx.config.paths.roots, 'demo/root/.ssh')).mode & 0o777).toBe(0o700)
  })

  test('a planted root/.ssh symlink to the server\'s own directory is refused, nothing written there', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-fleetkey-'))
    const ctx = tempCtx(dir, ['demo'])
    // stands for the server's /root/.ssh: the link's target as the server would follow it
    const hostSsh = path.join(dir, 'host-root-ssh')
    mkdirSync(hostSsh)
    writeFileSync(path.join(hostSsh, 'authorized_keys'), 'host keys\n')
    const root = path.join(ctx.config.paths.roots, 'demo')
    mkdirSync(path.join(root, 'root'), { recursive: true })
    symlinkSync(hostSsh, path.join(root, 'root/.ssh'))
    const error = await installFleetKey(ctx, 'demo').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConflictError)
    expect((error as ConflictError).message).toBe(`${path.join(root, 'root/.ssh')} is a symlink to ${hostSsh}, outside the root: the fleet key is not installed through it`)
    expect((error as ConflictError).suggestion).toContain(`rm ${path.join(root, 'root/.ssh')}`)
    expect(readFileSync(path.join(hostSsh, 'authorized_keys'), 'utf8')).toBe('host keys\n')
    expect(readdirSync(hostSsh)).toEqual(['authorized_keys'])
    expect(lstatSync(path.join(root, 'root/.ssh')).isSymbolicLink()).toBe(true)
  })

  test('an authorized_keys symlink leading out of the root is refused, nothing written through it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-fleetkey-'))
    const ctx = tempCtx(dir, ['demo'])
    const root = path.join(ctx.config.paths.roots, 'demo')
    mkdirSync(path.join(root, 'root/.ssh'), { recursive: true })
    const outside = path.join(dir, 'outside-file')
    writeFileSync(outside, 'untouched\n')
    // a relative link that climbs out of the root
    symlinkSync(path.relative(path.join(root, 'root/.ssh'), outside), path.join(root, 'root/.ssh/authorized_keys'))
    await expect(installFleetKey(ctx, 'demo')).rejects.toThrow(/outside the root/)
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n')
  })
})
