import { chmod, lstat, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { ConflictError } from '../errors.js'
import { readTextInRoot, resolveInRootDetailed } from '../domain/root-path.js'
import { writeFileAtomic } from '../state/atomic.js'

const AUTHORIZED_KEYS = 'root/.ssh/authorized_keys'

/** `type base64` of a key line: what makes two lines the same key (comments and options aside). */
function keyId(line: string): string | undefined {
  const m = /(?:^|\s)((?:ssh|ecdsa|sk)-[\w@.-]+)\s+([A-Za-z0-9+/=]+)/.exec(line)
  return m ? `${m[1]} ${m[2]}` : undefined
}

export type AuthorizeResult = 'added' | 'unchanged'

/**
 * Add `publicKey` to the root's /root/.ssh/authorized_keys, keeping the keys already there;
 * unchanged when it is there already. The root is untrusted: the path is resolved as inside a
 * chroot and refused when a symlink on it leads out of the root (root/.ssh → the server's
 * /root/.ssh), the old file is read without following a symlink, and the new one is renamed
 * into place (a rename replaces a link, never writes through it).
 */
export async function authorizeKeyInRoot(root: string, publicKey: string): Promise<{ file: string; result: AuthorizeResult }> {
  const resolved = await resolveInRootDetailed(root, AUTHORIZED_KEYS)
  const out = resolved.links.find((l) => l.outside)
  if (out) {
    throw new ConflictError(`${out.link} is a symlink to ${out.target}, outside the root: the fleet key is not installed through it`, {
      suggestion: `remove the link (rm ${out.link}) and run \`sidus ssh-key install\` again`,
    })
  }
  const file = resolved.path
  const st = await lstat(file).catch(() => undefined)
  if (st && !st.isFile()) {
    throw new ConflictError(`${file} is not a regular file: the fleet key is not installed`, { suggestion: `move ${file} aside and run \`sidus ssh-key install\` again` })
  }
  const wanted = keyId(publicKey)
  if (!wanted) throw new ConflictError(`not an SSH public key: ${publicKey.slice(0, 40)}`, { suggestion: 'remove the fleet key files under the state dir\'s ssh/ so that a new one is made' })
  const old = (st ? await readTextInRoot(root, AUTHORIZED_KEYS) : undefined) ?? ''
  if (old.split('\n').some((line) => keyId(line) === wanted)) return { file, result: 'unchanged' }
  const dir = path.dirname(file)
  // each missing directory made here, below a resolved path with no symlink left on it
  await mkdirInRoot(root, dir)
  await writeFileAtomic(file, `${old}${old === '' || old.endsWith('\n') ? '' : '\n'}${publicKey.trim()}\n`, 0o600)
  return { file, result: 'added' }
}

/** mkdir -p of `dir` (inside `root`), refusing a component that is not a real directory; new ones are 0700. */
async function mkdirInRoot(root: string, dir: string): Promise<void> {
  const parts = path.relative(root, dir).split('/').filter(Boolean)
  let at = root
  for (const part of parts) {
    at = path.join(at, part)
    const st = await lstat(at).catch(() => undefined)
    if (!st) {
      await mkdir(at, { mode: 0o700 })
      await chmod(at, 0o700)
    } else if (!st.isDirectory()) {
      throw new ConflictError(`${at} is not a directory: the fleet key is not installed`, { suggestion: `move ${at} aside and run \`sidus ssh-key install\` again` })
    }
  }
}
