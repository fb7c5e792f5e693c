import { MissingPackageError } from '../errors.js'
import type { Runner } from './runner.js'

/** Which Debian package provides each host program sidus runs. */
export const HOST_PACKAGES: Record<string, string> = {
  mmdebstrap: 'mmdebstrap',
  debootstrap: 'debootstrap',
  dnsmasq: 'dnsmasq-base',
  'ganesha.nfsd': 'nfs-ganesha nfs-ganesha-vfs',
  rpcbind: 'rpcbind',
  rpcinfo: 'rpcbind',
  exportfs: 'nfs-kernel-server',
  dhcpd: 'isc-dhcp-server',
  'in.tftpd': 'tftpd-hpa',
  'qemu-system-x86_64': 'qemu-system-x86',
  unshare: 'util-linux',
  setpriv: 'util-linux',
  flock: 'util-linux',
  ip: 'iproute2',
  zstd: 'zstd',
  rsync: 'rsync',
  'ssh-keygen': 'openssh-client',
  sshd: 'openssh-server',
}

/** Run-or-die: the program's path, or a MissingPackageError naming the package. */
export async function requireProgram(runner: Runner, program: string): Promise<string> {
  const found = await runner.which(program)
  if (!found) throw new MissingPackageError(program, HOST_PACKAGES[program] ?? program)
  return found
}
