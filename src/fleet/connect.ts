import { ConflictError, ExternalError, SidusError } from '../errors.js'
import { SshRunner } from '../run/ssh-runner.js'
import type { KnownHosts } from './known-hosts.js'
import type { NodeTarget } from './targets.js'

/** How the fleet logs in: as root with the fleet key, sidus's own known_hosts, a deadline per node. */
export interface FleetSsh {
  privateKeyFile: string
  knownHosts: KnownHosts
  port: number
  /** the whole exchange with one node (connect, run, read) must end within this */
  timeoutMs: number
  signal?: AbortSignal
}

/** A node whose host key is not the one learned at first contact. */
export class HostKeyMismatchError extends ConflictError {}
/** A node that did not answer within the timeout. */
export class NodeTimeoutError extends ExternalError {}

/**
 * The one place sidus opens SSH connections: connect to a node (host key checked against
 * sidus's known_hosts, learned at first contact), give `fn` a Runner over it, and close it.
 * The whole exchange is bounded by the timeout: a node that hangs after login (a full disk,
 * a stuck NFS root) costs one timeout, in parallel with the others.
 */
export async function withNode<T>(target: NodeTarget & { address: string }, ssh: FleetSsh, fn: (runner: SshRunner) => Promise<T>): Promise<T> {
  // loaded on first use: commands that never talk to a node do not pay for ssh2
  const { NodeSSH } = await import('node-ssh')
  const client = new NodeSSH()
  let mismatch: { known: string; offered: string } | undefined
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NodeTimeoutError(`${target.name} (${target.address}) did not answer within ${Math.round(ssh.timeoutMs / 1000)} s`)), ssh.timeoutMs)
  })
  const onAbort = () => client.dispose()
  ssh.signal?.addEventListener('abort', onAbort)
  const work = (async () => {
    try {
      await client.connect({
        host: target.address,
        port: ssh.port,
        username: 'root',
        privateKeyPath: ssh.privateKeyFile,
        readyTimeout: ssh.timeoutMs,
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          ssh.knownHosts.check(target.name, key).then((r) => {
            if (!r.ok) mismatch = r
            verify(r.ok)
          }, () => verify(false))
        },
      } as Parameters<typeof client.connect>[0])
    } catch (error) {
      if (mismatch) {
        throw new HostKeyMismatchError(`${target.name} (${target.address}) offered host key ${mismatch.offered}, not the known ${mismatch.known}: refused`, {
          suggestion: `if ${target.name} was reinstalled or its host key regenerated: sidus ssh-key forget ${target.name}`,
        })
      }
      throw new ExternalError(`${target.name} (${target.address}): ${(error as Error).message}`, { cause: error })
    }
    return fn(new SshRunner(client, `ssh://${target.name}`))
  })()
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
    ssh.signal?.removeEventListener('abort', onAbort)
    client.dispose()
    work.catch(() => {})
  }
}

/** One line for a node that could not be reached or refused: the error's message (and fix). */
export function describeFailure(error: unknown): string {
  if (error instanceof SidusError) return error.suggestion ? `${error.message} (fix: ${error.suggestion})` : error.message
  return (error as Error).message ?? String(error)
}
