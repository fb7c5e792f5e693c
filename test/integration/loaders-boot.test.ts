import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import type { Ctx } from '../../src/context.js'
import { setMaster } from '../../src/master/index.js'
import { publish } from '../../src/publish/index.js'
import { LocalRunner } from '../../src/run/local.js'
import { tempWorld } from '../helpers/config.js'
import { ensureRefRoot } from '../helpers/ref-root.js'

/**
 * The published tree read by the real loaders: QEMU (TCG) network-boots from it through
 * its user-mode network, whose built-in TFTP server serves paths.tftp. Each boot stops
 * at the kernel's first "Command line:" — that proves the loader read our menu (or the
 * per-MAC file), fetched the @-named kernel and initrd and passed our command line.
 * The NFS boot itself is the lab's job. QEMU runs in a network namespace of its own
 * (unshare -n: loopback only) and its user network is restricted: nothing leaves.
 */
const OVMF = '/usr/share/ovmf/OVMF.fd'
const MASTER = '52:54:00:12:34:99'
const CLIENT = '52:54:00:12:34:56'

let w: ReturnType<typeof tempWorld>
let kver: string
const running = new Set<number>()

beforeAll(async () => {
  const REF_BOOT = path.join(await ensureRefRoot(), 'boot')
  const kernel = existsSync(REF_BOOT) ? readdirSync(REF_BOOT).find((f) => f.startsWith('vmlinuz-')) : undefined
  if (!kernel) throw new Error(`no kernel in ${REF_BOOT}: this test boots a real Debian kernel`)
  kver = kernel.slice('vmlinuz-'.length)
  // QEMU's user network: the host is 10.0.2.2 on 10.0.2.0/24
  w = tempWorld('server:\n  address: 10.0.2.2\n  network: 10.0.2.0/24\nboot:\n  timeout: 1\n  console: ttyS0,115200\n')
  const boot = path.join(w.roots, 'bookworm64/boot')
  mkdirSync(boot, { recursive: true })
  copyFileSync(path.join(REF_BOOT, kernel), path.join(boot, kernel))
  // the kernel prints its command line long before it looks at the initrd: a small one keeps TFTP short
  writeFileSync(path.join(boot, `initrd.img-${kver}`), Buffer.alloc(4096, 1))
  const ctx: Ctx = { config: loadConfig(w.config), runner: new LocalRunner() }
  await publish(ctx, [])
  await setMaster(ctx, 'bookworm64', MASTER)
})

afterAll(() => {
  for (const pid of running) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
  if (w) rmSync(w.dir, { recursive: true, force: true })
})

/** boot QEMU from the tree with this DHCP boot file; resolve with the kernel's command line */
function bootCommandLine(bootfile: string, mac: string, uefi: boolean, timeoutMs = 240_000): Promise<string> {
  // the serial console goes to a file: a pipe read too slowly makes QEMU's UART drop bytes
  const log = path.join(w.dir, `console-${bootfile.replace(/\W/g, '_')}-${mac.replace(/:/g, '')}.log`)
  writeFileSync(log, '')
  const argv = [
    '-n', 'qemu-system-x86_64', '-accel', 'tcg', '-m', '1024', '-display', 'none', '-monitor', 'none', '-no-reboot',
    '-serial', `file:${log}`,
    ...(uefi ? ['-bios', OVMF] : []),
    '-netdev', `user,id=n,restrict=on,tftp=${w.tftp},bootfile=${bootfile}`,
    '-device', `virtio-net-pci,netdev=n,mac=${mac}`, '-boot', 'n',
  ]
  return new Promise((resolve, reject) => {
    // unshare without --fork execs QEMU: the pid is QEMU's
    const qemu = spawn('unshare', argv, { stdio: ['ignore', 'ignore', 'pipe'] })
    running.add(qemu.pid!)
    let stderr = ''
    qemu.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    const started = Date.now()
    const finish = (error?: Error, line?: string) => {
      clearInterval(poll)
      qemu.kill('SIGKILL')
      running.delete(qemu.pid!)
      if (error) reject(error)
      else resolve(line!)
    }
    const poll = setInterval(() => {
      const out = readFileSync(log, 'latin1')
      const m = /Command line: ([^\r\n]*)\r?\n/.exec(out)
      if (m) finish(undefined, m[1])
      else if (qemu.exitCode !== null) finish(new Error(`qemu exited (${qemu.exitCode}): ${stderr}\n${out.slice(-1500)}`))
      else if (Date.now() - started > timeoutMs) finish(new Error(`no kernel command line after ${timeoutMs / 1000} s; console tail:\n${out.slice(-1500)}`))
    }, 250)
  })
}

const overlay = () => `initrd=initrd.img-${kver}@bookworm64 ip=dhcp root=nfs:10.0.2.2:${w.roots}/bookworm64:vers=3,rsize=1048576,wsize=1048576,tcp,nolock,noatime,nocto,actimeo=1,hard sidus=overlay console=ttyS0,115200`
const rw = () => `initrd=initrd.img-${kver}@bookworm64 ip=dhcp root=nfs:10.0.2.2:${w.roots}/bookworm64:vers=3,rsize=1048576,wsize=1048576,tcp,nolock,noatime,nocto,actimeo=1,hard,rw sidus=rw console=ttyS0,115200`

/**
 * iPXE's lines hand the initrd the lease iPXE booted with (IPXE_FIRMWARE_LEASE), filled in by iPXE itself:
 * QEMU's user network leased 10.0.2.15/24 and names no router (restrict=on), and no DHCP host name
 */
const firmwareLease = (mac: string) => `BOOTIF=01-${mac.toLowerCase().replace(/:/g, '-')} ip=10.0.2.15:::255.255.255.0:::none sidus.lease=firmware`

describe('real loaders boot the published tree', () => {
  it('BIOS pxelinux.0: the default menu\'s default entry', async () => {
    expect(await bootCommandLine('pxelinux.0', CLIENT, false)).toBe(`BOOT_IMAGE=vmlinuz-${kver}@bookworm64 ${overlay()}`)
  }, 300_000)

  it('BIOS pxelinux.0: the master\'s MAC gets its pxelinux.cfg/01-<mac> file (rw)', async () => {
    expect(await bootCommandLine('pxelinux.0', MASTER, false)).toBe(`BOOT_IMAGE=vmlinuz-${kver}@bookworm64 ${rw()}`)
  }, 300_000)

  it('UEFI efi64/syslinux.efi: menu and kernel reached through the efi64/ links', async () => {
    expect(await bootCommandLine('efi64/syslinux.efi', CLIENT, true)).toBe(`BOOT_IMAGE=vmlinuz-${kver}@bookworm64 ${overlay()}`)
  }, 300_000)

  it('iPXE (QEMU\'s ROM) runs sidus.ipxe, which chains the master\'s own script; iPXE fills in its lease for the initrd', async () => {
    expect(await bootCommandLine('sidus.ipxe', MASTER, false)).toBe(rw().replace('ip=dhcp', firmwareLease(MASTER)))
  }, 300_000)

  it('iPXE: any other MAC falls through to the menu\'s default', async () => {
    expect(await bootCommandLine('sidus.ipxe', CLIENT, false)).toBe(overlay().replace('ip=dhcp', firmwareLease(CLIENT)))
  }, 300_000)

  it('Secure Boot chain: shimx64.efi loads grubx64.efi, which reads grub/grub.cfg and the master\'s grub.cfg-01-<mac>', async () => {
    expect(await bootCommandLine('shimx64.efi', MASTER, true)).toBe(`BOOT_IMAGE=/vmlinuz-${kver}@bookworm64 ${rw()}`)
  }, 300_000)

  it('GRUB network image: any other MAC boots the menu\'s default', async () => {
    expect(await bootCommandLine('grubx64.efi', CLIENT, true)).toBe(`BOOT_IMAGE=/vmlinuz-${kver}@bookworm64 ${overlay()}`)
  }, 300_000)
})
