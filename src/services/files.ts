import type { ServerModel } from './model.js'
import { renderDnsmasq } from './dnsmasq.js'
import { renderExports } from './exports.js'
import { renderGanesha } from './ganesha.js'
import { ISC_INCLUDE_FILE, renderIscDhcp, withIscInclude } from './isc.js'
import { renderTftpdHpa } from './tftpd-hpa.js'
import { HOSTS_FILE, renderHosts } from './values.js'
import { renderServeUnit, SERVE_UNIT, SERVE_UNIT_FILE } from './serve-unit.js'
import { NGINX_SITE_FILE, renderNginxSite } from './nginx.js'

/** A service sidus configures, and how it picks up a new configuration. */
export type ServiceId = 'nfs-kernel-server' | 'nfs-ganesha' | 'dnsmasq' | 'isc-dhcp-server' | 'tftpd-hpa' | 'sidus-serve' | 'nginx'

export const RELOAD: Record<ServiceId, string[]> = {
  'nfs-kernel-server': ['exportfs', '-ra'],
  // ganesha re-reads its EXPORT blocks on SIGHUP (the unit's ExecReload)
  'nfs-ganesha': ['systemctl', 'reload', 'nfs-ganesha'],
  // DHCP settings are read at start only
  dnsmasq: ['systemctl', 'restart', 'dnsmasq'],
  'isc-dhcp-server': ['systemctl', 'restart', 'isc-dhcp-server'],
  'tftpd-hpa': ['systemctl', 'restart', 'tftpd-hpa'],
  'sidus-serve': ['systemctl', 'restart', SERVE_UNIT],
  nginx: ['systemctl', 'reload', 'nginx'],
}

/** What runs before the reload: systemd reads a changed unit file on daemon-reload; enable starts it at boot. */
export const BEFORE_RELOAD: Partial<Record<ServiceId, string[][]>> = {
  'sidus-serve': [['systemctl', 'daemon-reload'], ['systemctl', 'enable', SERVE_UNIT]],
  // a site nginx refuses is never reloaded into (nginx keeps serving the old one)
  nginx: [['nginx', '-t']],
}

/**
 * sidus's own files a config may stop wanting, and what retires their service: the serve unit
 * once boot.loader is pxelinux (nothing boots over HTTP then) is disabled, stopped and removed.
 */
export function retiredFiles(model: ServerModel): RetiredFile[] {
  const http = model.config.boot.loader === 'ipxe-http'
  const out: RetiredFile[] = []
  if (!http) out.push({ path: MANAGED_PATHS.serveUnit, service: 'sidus-serve', unit: SERVE_UNIT })
  // the nginx site once http.static is serve again (or nothing boots over HTTP): removed, nginx reloaded
  if (!http || model.config.http.static !== 'nginx') out.push({ path: MANAGED_PATHS.nginxSite, service: 'nginx' })
  return out
}

/** A file of sidus's own to remove; `unit`: a systemd unit disabled and stopped first, else its service is reloaded after. */
export interface RetiredFile { path: string; service: ServiceId; unit?: string }

export interface ManagedFile {
  /** absolute path on the server */
  path: string
  content: string
  service: ServiceId
  /** 'own': a file sidus owns (drop-in or whole replacement); 'edit': the admin's file with sidus's lines added */
  kind: 'own' | 'edit'
}

export const MANAGED_PATHS = {
  exports: '/etc/exports.d/sidus.exports',
  ganesha: '/etc/ganesha/ganesha.conf',
  dnsmasq: '/etc/dnsmasq.d/sidus.conf',
  iscInclude: ISC_INCLUDE_FILE,
  iscConf: '/etc/dhcp/dhcpd.conf',
  tftpdHpa: '/etc/default/tftpd-hpa',
  hosts: HOSTS_FILE,
  serveUnit: SERVE_UNIT_FILE,
  nginxSite: NGINX_SITE_FILE,
} as const

/** The files that sidus edits rather than owns: their current content goes into planFiles. */
export const EDITED_PATHS = [MANAGED_PATHS.iscConf, MANAGED_PATHS.tftpdHpa]

/**
 * Every file sidus manages on this server for this config, with its content. Pure:
 * `existing` holds the current text of the EDITED_PATHS (undefined when absent).
 */
export function planFiles(model: ServerModel, existing: Record<string, string | undefined> = {}): ManagedFile[] {
  const { config } = model
  const files: ManagedFile[] = []
  if (config.nfs.server === 'ganesha') {
    files.push({ path: MANAGED_PATHS.ganesha, content: renderGanesha(model), service: 'nfs-ganesha', kind: 'own' })
  } else {
    files.push({ path: MANAGED_PATHS.exports, content: renderExports(model), service: 'nfs-kernel-server', kind: 'own' })
  }
  const dnsmasqTftp = config.tftp.server === 'dnsmasq'
  if (config.dhcp.mode === 'isc') {
    files.push({ path: MANAGED_PATHS.iscInclude, content: renderIscDhcp(model), service: 'isc-dhcp-server', kind: 'own' })
    files.push({ path: MANAGED_PATHS.iscConf, content: withIscInclude(existing[MANAGED_PATHS.iscConf]), service: 'isc-dhcp-server', kind: 'edit' })
    if (dnsmasqTftp) files.push({ path: MANAGED_PATHS.dnsmasq, content: renderDnsmasq(model, { mode: 'tftp', tftp: true }), service: 'dnsmasq', kind: 'own' })
  } else {
    files.push({ path: MANAGED_PATHS.dnsmasq, content: renderDnsmasq(model, { mode: config.dhcp.mode, tftp: dnsmasqTftp }), service: 'dnsmasq', kind: 'own' })
  }
  // names and addresses of the masters and nodes: dnsmasq serves them, ISC sites hand them to their DNS
  if (config.dhcp.mode !== 'proxy') {
    files.push({ path: MANAGED_PATHS.hosts, content: renderHosts(model), service: config.dhcp.mode === 'isc' ? 'isc-dhcp-server' : 'dnsmasq', kind: 'own' })
  }
  if (config.tftp.server === 'tftpd-hpa') {
    files.push({ path: MANAGED_PATHS.tftpdHpa, content: renderTftpdHpa(model, existing[MANAGED_PATHS.tftpdHpa]), service: 'tftpd-hpa', kind: 'edit' })
  }
  // iPXE gets its script, kernels and initrds over HTTP from sidus serve
  if (config.boot.loader === 'ipxe-http') {
    files.push({ path: MANAGED_PATHS.serveUnit, content: renderServeUnit(config), service: 'sidus-serve', kind: 'own' })
    // http.static nginx: nginx sends the tree's files, sidus serve (on loopback) the scripts
    if (config.http.static === 'nginx') files.push({ path: MANAGED_PATHS.nginxSite, content: renderNginxSite(config), service: 'nginx', kind: 'own' })
  }
  return files
}
