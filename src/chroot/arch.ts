import { access } from 'node:fs/promises'
import path from 'node:path'
import { MissingPackageError } from '../errors.js'
import { openInRoot } from '../domain/root-path.js'

/** ELF e_machine values → Debian architecture names (little-endian unless said). */
const ELF_MACHINES: Record<number, { 32?: string; 64?: string }> = {
  0x03: { 32: 'i386' },
  0x3e: { 64: 'amd64' },
  0x28: { 32: 'armhf' },
  0xb7: { 64: 'arm64' },
  0x15: { 64: 'ppc64el' },
  0x16: { 64: 's390x' },
  0xf3: { 64: 'riscv64' },
  0x08: { 64: 'mips64el', 32: 'mipsel' },
}

/** The Debian architecture an ELF header says, or undefined for anything else. */
export function elfArch(header: Buffer): string | undefined {
  if (header.length < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined
  const bits = header[4] === 2 ? 64 : header[4] === 1 ? 32 : undefined
  const big = header[5] === 2
  if (!bits) return undefined
  const machine = big ? header.readUInt16BE(18) : header.readUInt16LE(18)
  if (machine === 0x16) return 's390x' // big-endian by nature
  if (big) return undefined
  return ELF_MACHINES[machine]?.[bits]
}

/** dpkg's own stanza in its status file, up to its Architecture line (the line whole). */
const DPKG_STANZA = /Package: dpkg\n(?:[^\n]+\n)*?Architecture: (\S+)\n/

/**
 * The root's dpkg architecture, from dpkg's own records (no chroot needed). The status file
 * lists packages by name, so dpkg's comes early: it is read in chunks until that stanza is
 * whole, not in full (megabytes in a big root, read on every session).
 */
export async function dpkgArch(root: string): Promise<string | undefined> {
  // opened as every file of a root is: inside it, a regular file only (src/domain/root-path.ts)
  const file = await openInRoot(root, 'var/lib/dpkg/status')
  if (!file) return undefined
  try {
    let text = ''
    const chunk = Buffer.alloc(64 * 1024)
    for (let at = 0; ; ) {
      const { bytesRead } = await file.handle.read(chunk, 0, chunk.length, at)
      // at the end, the last line may lack its newline
      if (bytesRead === 0) return DPKG_STANZA.exec(`${text}\n`)?.[1]
      at += bytesRead
      text += chunk.subarray(0, bytesRead).toString('latin1')
      const found = DPKG_STANZA.exec(text)?.[1]
      if (found) return found
    }
  } finally {
    await file.handle.close()
  }
}

/** The root's architecture: dpkg's record, or the ELF header of its /bin/sh (a busybox root). */
export async function rootArch(root: string): Promise<string | undefined> {
  const fromDpkg = await dpkgArch(root)
  if (fromDpkg) return fromDpkg
  try {
    const file = await openInRoot(root, 'bin/sh')
    if (!file) return undefined
    const handle = file.handle
    try {
      const buf = Buffer.alloc(64)
      const { bytesRead } = await handle.read(buf, 0, 64, 0)
      return elfArch(buf.subarray(0, bytesRead))
    } finally {
      await handle.close()
    }
  } catch {
    return undefined
  }
}

/** Node's process.arch → Debian's name for the server. */
export function debianArch(nodeArch: string = process.arch): string {
  return ({ x64: 'amd64', ia32: 'i386', arm64: 'arm64', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[nodeArch] ?? nodeArch
}

/** qemu-user's name for a Debian architecture (the binfmt_misc entry is qemu-<name>). */
const QEMU_NAMES: Record<string, string> = {
  amd64: 'x86_64', i386: 'i386', arm64: 'aarch64', armhf: 'arm', armel: 'arm', ppc64el: 'ppc64le',
  s390x: 's390x', riscv64: 'riscv64', mips64el: 'mips64el', mipsel: 'mipsel',
}

/** The personality a 32-bit root runs under on its 64-bit server (SIDUS runs i386 roots under setarch i686). */
const PERSONALITIES: Record<string, Record<string, string>> = {
  amd64: { i386: 'i686' },
  arm64: { armhf: 'linux32', armel: 'linux32' },
}

export type ArchPlan =
  | { kind: 'native'; personality?: string }
  | { kind: 'emulated'; binfmt: string }

/**
 * How a root of `root` architecture runs on a `host` server: natively, under a 32-bit
 * personality, or through qemu-user's binfmt_misc entry (which must then exist).
 */
export function planArch(host: string, root: string | undefined): ArchPlan {
  if (!root || root === host || root === 'all') return { kind: 'native' }
  const personality = PERSONALITIES[host]?.[root]
  if (personality) return { kind: 'native', personality }
  return { kind: 'emulated', binfmt: `qemu-${QEMU_NAMES[root] ?? root}` }
}

/** The plan for this root on this server; a foreign root without binfmt support is refused. */
export async function archForRoot(root: string, binfmtDir = '/proc/sys/fs/binfmt_misc'): Promise<{ arch?: string; personality?: string }> {
  const arch = await rootArch(root)
  const plan = planArch(debianArch(), arch)
  if (plan.kind === 'native') return { arch, personality: plan.personality }
  try {
    await access(path.join(binfmtDir, plan.binfmt))
  } catch {
    throw new MissingPackageError(plan.binfmt, 'qemu-user-static binfmt-support',
      `${root} is a ${arch} root and this ${debianArch()} server cannot run its programs (no ${path.join(binfmtDir, plan.binfmt)})`)
  }
  return { arch }
}
