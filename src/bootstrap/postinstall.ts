import { copyFile, mkdir, readFile, readlink, rm, symlink, writeFile, chmod, stat } from 'node:fs/promises'
import path from 'node:path'
import type { SidusConfig } from '../config/schema.js'
import { assetPath } from '../assets.js'
import { entryExists } from '../fs.js'

/**
 * The SIDUS post-install work on a freshly bootstrapped root, as file operations
 * (no chroot needed). `root` is the staging directory; `host` is where the
 * server's own files are read from (/ normally; a test may point elsewhere).
 */
export interface PostInstallOptions { root: string; config: SidusConfig; host?: string }

const inRoot = (root: string, p: string) => path.join(root, p)


/** policy-rc.d exiting 101: package scripts inside the root never start services. */
export async function installPolicyRcD(o: PostInstallOptions): Promise<void> {
  const target = inRoot(o.root, 'usr/sbin/policy-rc.d')
  await mkdir(path.dirname(target), { recursive: true })
  await copyFile(assetPath('bootstrap/policy-rc.d'), target)
  await chmod(target, 0o755)
}

/** Locale, timezone and keyboard as on the server (SIDUS copies them). Returns what was copied. */
export async function copyLocalisation(o: PostInstallOptions): Promise<string[]> {
  const host = o.host ?? '/'
  const copied: string[] = []
  for (const rel of ['etc/locale.gen', 'etc/default/locale', 'etc/timezone', 'etc/default/keyboard']) {
    const src = path.join(host, rel)
    try {
      if (!(await stat(src)).isFile()) continue
    } catch { continue }
    await mkdir(path.dirname(inRoot(o.root, rel)), { recursive: true })
    await rm(inRoot(o.root, rel), { force: true })
    await copyFile(src, inRoot(o.root, rel))
    copied.push(`/${rel}`)
  }
  // /etc/localtime is a link into zoneinfo: point the root's at the same zone if the root has it
  try {
    const zone = await readlink(path.join(host, 'etc/localtime'))
    if (zone.startsWith('/usr/share/zoneinfo/') && (await entryExists(inRoot(o.root, zone)))) {
      await rm(inRoot(o.root, 'etc/localtime'), { force: true })
      await symlink(zone, inRoot(o.root, 'etc/localtime'))
      copied.push('/etc/localtime')
    }
  } catch { /* the server has no zone link */ }
  return copied
}

/** Clients take their name from DHCP: a shared /etc/hostname would name them all after the server. */
export async function removeHostname(o: PostInstallOptions): Promise<void> {
  await rm(inRoot(o.root, 'etc/hostname'), { force: true })
}

/** Only loopback in /etc/network/interfaces: the initrd brought the boot interface up and it must stay. */
export async function writeInterfaces(o: PostInstallOptions): Promise<void> {
  await mkdir(inRoot(o.root, 'etc/network'), { recursive: true })
  await copyFile(assetPath('bootstrap/interfaces'), inRoot(o.root, 'etc/network/interfaces'))
}

/** fstab: proc, and /home from the server over NFS. */
export async function writeFstab(o: PostInstallOptions): Promise<void> {
  const template = await readFile(assetPath('bootstrap/fstab'), 'utf8')
  const home = o.config.nfs.home
  const text = template
    .replace('{{home_line}}', home ? `${o.config.server.address}:${home} /home nfs vers=3,nolock,_netdev,nofail,x-systemd.mount-timeout=20 0 0` : '# no /home export configured (nfs.home)')
  await writeFile(inRoot(o.root, 'etc/fstab'), text)
}

/** The server's resolv.conf, so the root (and apt inside it) resolves like the server. */
export async function copyResolvConf(o: PostInstallOptions): Promise<boolean> {
  const src = path.join(o.host ?? '/', 'etc/resolv.conf')
  let text: string
  try { text = await readFile(src, 'utf8') } catch { return false }
  await rm(inRoot(o.root, 'etc/resolv.conf'), { force: true })
  await writeFile(inRoot(o.root, 'etc/resolv.conf'), text)
  return true
}

/** root's authorized_keys from the admin's public key file. */
export async function installSshKey(o: PostInstallOptions, keyText: string): Promise<void> {
  const dir = inRoot(o.root, 'root/.ssh')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  await writeFile(path.join(dir, 'authorized_keys'), keyText.endsWith('\n') ? keyText : `${keyText}\n`, { mode: 0o600 })
}
