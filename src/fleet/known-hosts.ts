import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { expandNodeSet } from '../inventory/nodeset.js'
import { writeFileAtomic } from '../state/atomic.js'
import { fleetSshDir } from './key.js'

/** sidus's own known_hosts (never the admin's ~/.ssh): `<node> <key type> <base64 key>` a line. */
export const knownHostsFile = (config: SidusConfig) => path.join(fleetSshDir(config), 'known_hosts')

/** The fingerprint OpenSSH prints for a host key blob: SHA256:<base64, unpadded>. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/** The key type named at the start of an SSH public key blob (ssh-ed25519, ecdsa-sha2-nistp256 …). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown'
  const n = blob.readUInt32BE(0)
  return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString('latin1') : 'unknown'
}

export function parseKnownHosts(text: string): Map<string, Buffer> {
  const hosts = new Map<string, Buffer>()
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 3 || f[0].startsWith('#')) continue
    hosts.set(f[0], Buffer.from(f[2], 'base64'))
  }
  return hosts
}

export function formatKnownHosts(hosts: Map<string, Buffer>): string {
  return [...hosts].map(([name, blob]) => `${name} ${keyType(blob)} ${blob.toString('base64')}\n`).join('')
}

async function readHosts(file: string): Promise<Map<string, Buffer>> {
  try { return parseKnownHosts(await readFile(file, 'utf8')) } catch { return new Map() }
}

export type HostCheck = { ok: true; learned: boolean } | { ok: false; known: string; offered: string }

/**
 * The host keys of one run: a node's key is learned at first contact and must match afterwards.
 * Learned keys are written atomically; the nodes met while a write is under way share the next
 * one (a fleet's first contact is one or two writes, not one fsync per node in a row).
 */
export class KnownHosts {
  // one read for the run, shared by every node met at once: a second read finishing later would
  // replace the map the first nodes were learned into, and lose them
  private hosts?: Promise<Map<string, Buffer>>
  private writing?: Promise<void>
  private next?: Promise<void>

  constructor(readonly file: string) {}

  async check(name: string, blob: Buffer): Promise<HostCheck> {
    const hosts = await (this.hosts ??= readHosts(this.file))
    const known = hosts.get(name)
    if (known) return known.equals(blob) ? { ok: true, learned: false } : { ok: false, known: fingerprint(known), offered: fingerprint(blob) }
    hosts.set(name, blob)
    await this.save(hosts)
    return { ok: true, learned: true }
  }

  private save(hosts: Map<string, Buffer>): Promise<void> {
    this.next ??= (async () => {
      await this.writing?.catch(() => {})
      this.next = undefined
      // merged with what is on disk now: another sidus may have learned other nodes meanwhile
      const onDisk = await readHosts(this.file)
      for (const [n, b] of hosts) if (!onDisk.has(n)) onDisk.set(n, b)
      await writeFileAtomic(this.file, formatKnownHosts(onDisk), 0o600)
    })()
    this.writing = this.next
    return this.next
  }
}

/** Forget the host keys of a node set (reinstalled machines); returns the names that were known. */
export async function forgetNodeKeys(config: SidusConfig, set: string): Promise<{ file: string; forgotten: string[] }> {
  const file = knownHostsFile(config)
  const hosts = await readHosts(file)
  const forgotten = expandNodeSet(set).filter((n) => hosts.delete(n))
  if (forgotten.length > 0) await writeFileAtomic(file, formatKnownHosts(hosts), 0o600)
  return { file, forgotten }
}
