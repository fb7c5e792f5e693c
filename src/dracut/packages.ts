/**
 * Debian packages the root needs for the SIDUS initrd (create installs them in the bootstrap).
 * Each one is here for a reason found on a real build:
 */
export const DRACUT_ROOT_PACKAGES: string[] = [
  'dracut', // builds the initrd inside the root
  'dracut-network', // 35network-legacy, 40network, 95nfs
  'isc-dhcp-client', // dhclient: network-legacy's DHCP client for ip=dhcp
  'procps', // pgrep: without it dracut refuses network-legacy ("command 'pgrep' could not be found")
  'iputils-arping', // arping: network-legacy's duplicate-address check
  'iproute2', // ip: configures the address in the initrd
  'nfs-common', // mount.nfs, rpcbind client side: the NFS root
  'zstd', // compress="zstd…": without it dracut silently falls back to gzip
  'netbase', // /etc/protocols: mount.nfs resolves proto=tcp (remounts of an NFS / otherwise fail)
  'dbus', // dracut's postinst builds a stock initrd before our conf exists; its network module needs dbus
  'kmod', // modinfo/modprobe: installkernel
]

/** What the build looks for in the root before running dracut, and the package that provides it. */
export const ROOT_REQUIREMENTS: { what: string; paths: string[]; pkg: string }[] = [
  { what: 'dracut', paths: ['usr/bin/dracut'], pkg: 'dracut' },
  { what: 'dracut network modules', paths: ['usr/lib/dracut/modules.d/35network-legacy', 'usr/lib/dracut/modules.d/95nfs'], pkg: 'dracut-network' },
  { what: 'dhclient', paths: ['usr/sbin/dhclient', 'sbin/dhclient'], pkg: 'isc-dhcp-client' },
  { what: 'pgrep', paths: ['usr/bin/pgrep', 'bin/pgrep'], pkg: 'procps' },
  { what: 'arping', paths: ['usr/bin/arping', 'usr/sbin/arping', 'bin/arping'], pkg: 'iputils-arping' },
  { what: 'mount.nfs', paths: ['usr/sbin/mount.nfs', 'sbin/mount.nfs'], pkg: 'nfs-common' },
]
