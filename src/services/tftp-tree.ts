import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises'
import path from 'node:path'

export interface TreeProblem { path: string; problem: string; fix: string }

/**
 * What a TFTP server running as an unprivileged user, chrooted into `root`
 * (tftpd-hpa --secure, dnsmasq), cannot read: files not world-readable, directories
 * (and the root's parents) not world-searchable, links leading out of the tree or nowhere.
 */
export async function tftpTreeProblems(root: string, limit = 50): Promise<TreeProblem[]> {
  const problems: TreeProblem[] = []
  const add = (p: TreeProblem) => { if (problems.length < limit) problems.push(p) }
  for (let dir = root; ; dir = path.dirname(dir)) {
    const st = await stat(dir).catch(() => undefined)
    if (st && !(st.mode & 0o001)) add({ path: dir, problem: 'directory is not searchable by other users', fix: `chmod o+x ${dir}` })
    if (dir === path.dirname(dir)) break
  }
  const realRoot = await realpath(root)
  const walk = async (dir: string): Promise<void> => {
    const st = await stat(dir)
    if ((st.mode & 0o005) !== 0o005) add({ path: dir, problem: 'directory is not readable and searchable by other users', fix: `chmod o+rx ${dir}` })
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) await walk(p)
      else if (e.isSymbolicLink()) {
        const target = await realpath(p).catch(() => undefined)
        if (!target) add({ path: p, problem: `link to ${await readlink(p)} leads nowhere`, fix: 'sidus publish (or remove the link)' })
        else if (target !== realRoot && !target.startsWith(`${realRoot}/`)) add({ path: p, problem: `link leads out of the TFTP tree (${target}); a chrooted TFTP server cannot follow it`, fix: 'make it a relative link inside the tree, or copy the file in' })
        else if (!((await stat(target)).mode & 0o004)) add({ path: p, problem: 'link target is not world-readable', fix: `chmod o+r ${target}` })
      } else if (e.isFile() && !((await lstat(p)).mode & 0o004)) {
        add({ path: p, problem: 'file is not world-readable', fix: `chmod o+r ${p}` })
      }
    }
  }
  await walk(root)
  return problems
}
