/**
 * Which NFS client the initrd needs, from the NFS options of the root's mount (nfs.options):
 * a root mounted with NFSv3 never loads the NFSv4 client (2 MiB of modules, ~0.5 MiB compressed).
 * Pure: takes the options string.
 */

/** the NFSv4 client and its pNFS layouts: nothing else depends on them */
export const NFS4_MODULES = ['nfsv4', 'nfs_layout_nfsv41_files', 'nfs_layout_flexfiles']

/** The version the options ask for (vers= or nfsvers=, the last one wins, as mount.nfs reads them); undefined: negotiated. */
export function nfsVersion(options: string): string | undefined {
  let version: string | undefined
  for (const o of options.split(',')) {
    const m = /^\s*(?:nfs)?vers=([^\s,]+)\s*$/.exec(o)
    if (m) version = m[1]
  }
  return version
}

/** true when the options pin NFSv3: no vers= at all lets mount.nfs try v4 first */
export const mountsNfs3Only = (options: string): boolean => nfsVersion(options) === '3'
