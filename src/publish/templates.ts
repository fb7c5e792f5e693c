import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { assetPath } from '../assets.js'

export const MENU_ASSETS = assetPath('menus')

export const TEMPLATE_FILES = {
  pxelinuxDefault: 'pxelinux-default.cfg',
  pxelinuxEntry: 'pxelinux-entry.cfg',
  pxelinuxMaster: 'pxelinux-master.cfg',
  pxelinuxNode: 'pxelinux-node.cfg',
  ipxeScript: 'sidus.ipxe',
  ipxeItem: 'ipxe-item.ipxe',
  ipxeEntry: 'ipxe-entry.ipxe',
  ipxeMaster: 'ipxe-master.ipxe',
  ipxeNode: 'ipxe-node.ipxe',
  ipxeInitrdSplit: 'ipxe-initrd-split.ipxe',
  grubConfig: 'grub.cfg',
  grubEntry: 'grub-entry.cfg',
  grubMaster: 'grub-master.cfg',
  grubNode: 'grub-node.cfg',
} as const

export type MenuTemplates = Record<keyof typeof TEMPLATE_FILES, string>

/** Read every menu template (the only disk access of the menu code). */
export async function loadMenuTemplates(dir = MENU_ASSETS): Promise<MenuTemplates> {
  const out: Partial<MenuTemplates> = {}
  for (const [key, file] of Object.entries(TEMPLATE_FILES)) out[key as keyof MenuTemplates] = await readFile(path.join(dir, file), 'utf8')
  return out as MenuTemplates
}

/**
 * Replace `{{name}}` placeholders. A placeholder without a value, or a value nobody
 * asked for, is a bug in the renderer or the template: fail loudly rather than ship
 * a menu with a hole in it.
 */
export function fill(template: string, values: Record<string, string | number>): string {
  const used = new Set<string>()
  const out = template.replace(/\{\{([a-z_]+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`template placeholder {{${key}}} has no value`)
    used.add(key)
    return String(values[key])
  })
  const unused = Object.keys(values).filter((k) => !used.has(k))
  if (unused.length > 0) throw new Error(`template has no placeholder for ${unused.join(', ')}`)
  return out
}
