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
  // what the netboot-sized image (no systemd inside) boots with: NFSv3 over sunrpc (our
  // vers=3), a NIC driver, network-legacy's ifup and ip, 95nfs's nfsroot, and dracut's shell
  // init, which hands over with switch_root (systemd did that itself)
  { name: 'nfsv3.ko', pattern: new RegExp(String.raw`lib/modules/[^/]+/kernel/fs/nfs/nfsv3${KO}`), builtin: 'kernel/fs/nfs/nfsv3.ko' },
  { name: 'sunrpc.ko', pattern: new RegExp(String.raw`lib/modules/[^/]+/kernel/net/sunrpc/sunrpc${KO}`), builtin: 'kernel/net/sunrpc/sunrpc.ko' },
  { name: 'a network driver (kernel/drivers/net/…)', pattern: new RegExp(String.raw`lib/modules/[^/]+/kernel/drivers/net/.*${KO}`) },
  { name: 'ip', pattern: /(^|\/)s?bin\/ip$/ },
  { name: 'ifup (network-legacy)', pattern: /(^|\/)s?bin\/ifup$/ },
  { name: 'nfsroot (95nfs)', pattern: /(^|\/)s?bin\/nfsroot$/ },
  { name: 'switch_root', pattern: /(^|\/)s?bin\/switch_root$/ },
]

/** what an image for a root mounted with NFSv4 (nfs.options without vers=3) needs beyond the list above */
export const NFS4_REQUIREMENT: InitrdRequirement = {
  name: 'nfsv4.ko (nfs.options does not pin vers=3)', pattern: new RegExp(String.raw`lib/modules/[^/]+/kernel/fs/nfs/nfsv4${KO}`), builtin: 'kernel/fs/nfs/nfsv4.ko',
}

/** the line 90sidus appends to the initrd's /etc/dhclient.conf */
export const LEASE_LINE = /^\s*supersede\s+dhcp-lease-time\s+4294967295\s*;/m
export const LEASE_REQUIREMENT = "sidus's lease setting in /etc/dhclient.conf"

/** the scripts `script "<path>";` statements of a dhclient.conf name */
export function dhclientScripts(dhclientConf: string): string[] {
  return [...dhclientConf.matchAll(/^\s*script\s+"([^"]+)"\s*;/gm)].map((m) => m[1])
}

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

/**
 * Names of the requirements the listing lacks (built-in kernel modules count as present; nfsv4.ko
 * only when the root is mounted with NFSv4), and of the NIC drivers the config asks for (initrd.nic_drivers) that it lacks.
 */
export function missingParts(listing: InitrdListing, dhclientConf: string, builtins: string[] = [], nicDrivers: string[] = [], nfs4 = false): string[] {
  const missing: string[] = []
  for (const req of nfs4 ? [...INITRD_REQUIREMENTS, NFS4_REQUIREMENT] : INITRD_REQUIREMENTS) {
    if (req.builtin && builtins.includes(req.builtin)) continue
    if (!listing.paths.some((p) => req.pattern.test(p))) missing.push(req.name)
  }
  const moduleName = (p: string) => p.replace(/^.*\//, '').replace(new RegExp(KO), '').replace(/-/g, '_')
  const present = new Set([...listing.paths.filter((p) => /(^|\/)lib\/modules\//.test(p) && new RegExp(KO).test(p)), ...builtins].map(moduleName))
  for (const driver of nicDrivers) if (!present.has(driver)) missing.push(`${driver}.ko (initrd.nic_drivers)`)
  if (!LEASE_LINE.test(dhclientConf)) missing.push(LEASE_REQUIREMENT)
  // a script dhclient.conf names but the image lacks: dhclient gets a lease and configures nothing
  for (const script of dhclientScripts(dhclientConf)) {
    if (!listing.paths.some((p) => p === script.replace(/^\//, '') || p === script.replace(/^\/(s?bin)\//, 'usr/$1/'))) missing.push(`${script} (the script /etc/dhclient.conf names)`)
  }
  return missing
}

/**
 * What the whole image holds that neither the base nor the all piece of its split does (paths):
 * base + all must be the whole initrd, or an iPXE client would boot without part of it.
 */
export function splitGaps(whole: InitrdListing, base: InitrdListing, all: InitrdListing): string[] {
  const have = new Set([...base.paths, ...all.paths])
  return whole.paths.filter((p) => !have.has(p))
}
