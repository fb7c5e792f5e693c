import { rootInitrdName } from '../domain/kernel.js'

/** Where sidus puts its dracut files inside a root (paths relative to the root). */
export const MODULE_DIR = 'usr/lib/dracut/modules.d/90sidus'
export const CONF_FILE = 'etc/dracut.conf.d/90-sidus.conf'
/** the assets they come from, relative to assets/ */
export const MODULE_ASSETS = 'dracut/90sidus'
export const CONF_ASSET = 'dracut/sidus.conf'
/** the conf for a dracut older than 049 (buster, stretch): its `network` module, and no zstd */
export const CONF_ASSET_NETWORK = 'dracut/sidus-network.conf'

/** The initrd dracut writes for a kernel, as the root sees it (Debian's name). */
export const initrdPath = (kernel: string) => `/boot/${rootInitrdName(kernel)}`
