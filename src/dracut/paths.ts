import { rootInitrdName } from '../domain/kernel.js'

/** Where sidus puts its dracut files inside a root (paths relative to the root). */
export const MODULE_DIR = 'usr/lib/dracut/modules.d/90sidus'
export const CONF_FILE = 'etc/dracut.conf.d/90-sidus.conf'
/** the assets they come from, relative to assets/ */
export const MODULE_ASSETS = 'dracut/90sidus'
/** the module that installs last and takes back what no step of an NFS boot uses */
export const TRIM_MODULE_DIR = 'usr/lib/dracut/modules.d/99sidus-trim'
export const TRIM_MODULE_ASSETS = 'dracut/99sidus-trim'
/** every dracut module sidus owns: its directory in the root, the assets it comes from */
export const MODULES = [
  { dir: MODULE_DIR, assets: MODULE_ASSETS },
  { dir: TRIM_MODULE_DIR, assets: TRIM_MODULE_ASSETS },
] as const
export const CONF_ASSET = 'dracut/sidus.conf'
/** the conf for a dracut older than 049 (buster, stretch): its `network` module, and no zstd */
export const CONF_ASSET_NETWORK = 'dracut/sidus-network.conf'

/** The initrd dracut writes for a kernel, as the root sees it (Debian's name). */
export const initrdPath = (kernel: string) => `/boot/${rootInitrdName(kernel)}`
