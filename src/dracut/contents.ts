/**
 * What a SIDUS initrd must hold, checked against the listing of dracut's own lsinitrd.
 * Pure: takes the listing text, returns names of what is missing.
 */

export interface InitrdRequirement {
  /** how the admin hears about it when it is missing */
  name: string
  pattern: RegExp
  /** path under /lib/modules/<kver>/ as modules.builtin names it: present when built in */
  builtin?: string
}

const KO = String.raw`\.ko(\.(xz|zst|gz))?$`

export const INITRD_REQUIREMENTS: InitrdRequirement[] = [
  { name: 'overlay.ko', pattern: new RegExp(String.raw`lib/modules/[^/]+/kernel/fs/overlayfs/overlay${KO}`), builtin: 'kernel/fs/overlayfs/overlay.ko' },
  { name: 'nfs.ko', pattern: new RegExp(String.raw`lib/modules/[^/]+/kernel/fs/nfs/nfs${KO}`), builtin: 'kernel/fs/nfs/nfs.ko' },
  { name: 'mount.nfs', pattern: /(^|\/)s?bin\/mount\.nfs$/ },
  { name: 'dhclient', pattern: /(^|\/)s?bin\/dhclient$/ },
  { name: 'the sidus hook (pre-pivot/*-sidus-mount.sh)', pattern: /lib\/dracut\/hooks\/pre-pivot\/[0-9]+-sidus-mount\.sh$/ },
]

/** the line 90sidus appends to the initrd's /etc/dhclient.conf */
export const LEASE_LINE = /^\s*supersede\s+dhcp-lease-time\s+4294967295\s*;/m
export const LEASE_REQUIREMENT = "sidus's lease setting in /etc/dhclient.conf"

export interface InitrdListing {
  /** paths as lsinitrd prints them, without a leading / (symlinks: the link's own path) */
  paths: string[]
  /** the dracut modules the image was built with */
  modules: string[]
}

/** Parse `lsinitrd <image>`: the "dracut modules:" block and the `ls -l`-style lines. */
export function parseLsinitrd(text: string): InitrdListing {
  const paths: string[] = []
  const modules: string[] = []
  let inModules = false
  for (const line of text.split('\n')) {
    if (line.startsWith('dracut modules:')) { inModules = true; continue }
    if (inModules) {
      if (/^=+$/.test(line.trim()) || line.trim() === '') { inModules = false; continue }
      modules.push(line.trim())
      continue
    }
    if (!/^[-dlcbps][-rwxsStT]{9}[.+@]?\s/.test(line)) continue
    // mode links owner group size month day time|year path [-> target]
    const fields = line.trim().split(/\s+/)
    const rest = fields.slice(8).join(' ')
    const p = rest.split(' -> ')[0]
    if (p && p !== '.') paths.push(p.replace(/^\.?\//, ''))
  }
  return { paths, modules }
}

/** Names of the requirements the listing lacks (built-in kernel modules count as present). */
export function missingParts(listing: InitrdListing, dhclientConf: string, builtins: string[] = []): string[] {
  const missing: string[] = []
  for (const req of INITRD_REQUIREMENTS) {
    if (req.builtin && builtins.includes(req.builtin)) continue
    if (!listing.paths.some((p) => req.pattern.test(p))) missing.push(req.name)
  }
  if (!LEASE_LINE.test(dhclientConf)) missing.push(LEASE_REQUIREMENT)
  return missing
}
