/** The admin's configuration (/etc/sidus/sidus.yaml): what sidus reads, never writes. */
export type NfsServerKind = 'kernel' | 'ganesha'
export type DhcpMode = 'isc' | 'dnsmasq' | 'proxy'
export type TftpServerKind = 'tftpd-hpa' | 'dnsmasq'
/** ipxe-http: firmware gets iPXE by TFTP, iPXE its script and the kernel over HTTP (sidus serve); pxelinux: all by TFTP */
export const BOOT_LOADERS = ['ipxe-http', 'pxelinux'] as const
export type BootLoader = (typeof BOOT_LOADERS)[number]
export const BOOT_MODES = ['overlay', 'aufs', 'rw'] as const
export type BootMode = (typeof BOOT_MODES)[number]

export interface SidusConfig {
  /** the file this config came from, or undefined for built-in defaults */
  source?: string
  paths: { roots: string; tftp: string; state: string; cache: string }
  /** Debian mirror URL; undefined = take it from the server's own apt sources */
  mirror?: string
  /** where retired Debian releases are fetched from; undefined = Debian's archive of retired releases (see bootstrap/calendar) */
  archive_mirror?: string
  /** the instance a command works on when none is named (before "the only instance there is") */
  default_instance?: string
  server: { address: string; network: string; interface?: string }
  nfs: { server: NfsServerKind; options: string; home?: string }
  /** leases: the DHCP server's lease file, where the fleet commands find nodes without a fixed address (default: dnsmasq's or dhcpd's own) */
  dhcp: { mode: DhcpMode; range?: { start: string; end: string }; lease: string; leases?: string }
  tftp: { server: TftpServerKind }
  boot: {
    /** how clients load the kernel: iPXE over HTTP (default) or the pxelinux/syslinux/GRUB loaders over TFTP */
    loader: BootLoader
    /** menu timeout in seconds */
    timeout: number
    default_mode: BootMode
    console: string
    /** tmpfs size for the writable layer (sidus.size=), e.g. 50% or 2G; unset = module default */
    tmpfs_size?: string
    extra_args: string
    /** iPXE hands the initrd the lease it booted with instead of a second DHCP (default true; see IPXE_FIRMWARE_LEASE) */
    firmware_lease?: boolean
  }
  instances: Record<string, { extra_args?: string; initrd?: InitrdConfig }>
  initrd: InitrdConfig
  /** the fleet inventory; default: nodes.yaml beside this file */
  nodes_file?: string
  lab: { network: string; namespace: string; memory_mb: number }
  /**
   * `sidus serve`: the HTTP boot server on server.address. `static: nginx`: nginx (its site rendered by
   * `server render/apply`) listens on server.address:port instead, sends the TFTP tree's files itself and
   * hands /ipxe/ (scripts, one-shots, their events) to sidus serve on 127.0.0.1:serve_port (default port + 1)
   */
  http: { port: number; static?: 'serve' | 'nginx'; serve_port?: number }
  /** kept generations of each root (besides the live one); older ones are pruned by `sidus generations prune` */
  generations: { keep: number }
}

/** How the initrd is built; an instance's own `initrd` replaces this one for it. */
export interface InitrdConfig {
  /** NIC drivers to keep (module names, `_` for `-`); unset = every NIC family of the kernel */
  nic_drivers?: string[]
  /**
   * false: iPXE clients pull the whole initrd. Default (true): `sidus initrd build` also splits it into
   * a base without the PCI NIC drivers and one piece per NIC vendor, and iPXE pulls the base and its own NIC's piece.
   */
  split_nics?: boolean
}

/** Whether an instance's initrd is split for iPXE clients (initrd.split_nics, default true). */
export function splitsNics(config: SidusConfig, name: string): boolean {
  return initrdConfig(config, name).split_nics !== false
}

/** The initrd settings for one instance: its own, else the top-level ones. */
export function initrdConfig(config: SidusConfig, name: string): InitrdConfig {
  return config.instances[name]?.initrd ?? config.initrd
}

/** SIDUS's NFS root mount options (from the how-to's menus). */
export const SIDUS_NFS_OPTIONS = 'vers=3,rsize=1048576,wsize=1048576,tcp,nolock,noatime,nocto,actimeo=1,hard'

export function defaultConfig(): SidusConfig {
  return {
    paths: { roots: '/srv/nfsroot', tftp: '/srv/tftp', state: '/var/lib/sidus', cache: '/var/cache/sidus' },
    mirror: undefined,
    archive_mirror: undefined,
    default_instance: undefined,
    server: { address: '10.20.17.254', network: '10.20.17.0/24' },
    nfs: { server: 'kernel', options: SIDUS_NFS_OPTIONS, home: '/home' },
    dhcp: { mode: 'dnsmasq', lease: '12h' },
    tftp: { server: 'dnsmasq' },
    boot: { loader: 'ipxe-http', timeout: 5, default_mode: 'overlay', console: 'tty0 console=ttyS0,115200', extra_args: '' },
    instances: {},
    initrd: {},
    lab: { network: '10.213.57.0/24', namespace: 'sidus-lab', memory_mb: 1024 },
    http: { port: 8470 },
    generations: { keep: 3 },
  }
}
