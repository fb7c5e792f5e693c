import ini from 'ini'
import type { ServerModel } from './model.js'
import { renderTemplate, serviceTemplate } from './template.js'
import { plainPath } from './values.js'

const DEFAULTS: Record<string, string> = { TFTP_USERNAME: 'tftp', TFTP_DIRECTORY: '/srv/tftp', TFTP_ADDRESS: ':69', TFTP_OPTIONS: '--secure' }

/**
 * /etc/default/tftpd-hpa: TFTP_DIRECTORY = paths.tftp and --secure (chroot into it) in
 * TFTP_OPTIONS; every other setting of the `existing` file (read with the ini parser) is
 * kept. Values are written double-quoted: the file is sourced by a shell.
 */
export function renderTftpdHpa(model: ServerModel, existing?: string): string {
  const old = existing ? (ini.parse(existing) as Record<string, unknown>) : {}
  const settings: Record<string, string> = { ...DEFAULTS }
  for (const [k, v] of Object.entries(old)) {
    if (/^[A-Z_][A-Z0-9_]*$/.test(k) && typeof v === 'string') settings[k] = v
  }
  settings.TFTP_DIRECTORY = plainPath(model.config.paths.tftp, 'paths.tftp')
  const options = settings.TFTP_OPTIONS.split(/\s+/).filter(Boolean)
  if (!options.includes('--secure') && !options.includes('-s')) options.unshift('--secure')
  settings.TFTP_OPTIONS = options.join(' ')
  return renderTemplate(serviceTemplate('tftpd-hpa.tmpl'), {
    settings: Object.entries(settings).map(([key, value]) => ({ key, value: value.replace(/["\\$`]/g, '\\$&') })),
  }, 'tftpd-hpa.tmpl')
}
