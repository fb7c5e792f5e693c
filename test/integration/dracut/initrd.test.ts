import { execa, type ResultPromise } from 'execa'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assetPath } from '../../../src/assets.js'
import { runInRoot } from '../../../src/chroot/session.js'
import { loadConfig } from '../../../src/config/load.js'
import type { Ctx } from '../../../src/context.js'
import { installModule } from '../../../src/dracut/install.js'
import { LocalRunner } from '../../../src/run/local.js'
import { REPO, sidus } from '../../helpers/cli.js'
import { tempWorld } from '../../helpers/config.js'
import { APT_CACHE, ensureRefRoot } from '../../helpers/ref-root.js'

/**
 * The real thing: a copy of a root as `sidus create` makes it (without our module), the
 * root's own dracut and lsinitrd run through the exec session, by the CLI.
 *   SIDUS_TEST_REF_ROOT   the root to copy (default /var/tmp/sidus-ref-root)
 *   SIDUS_TEST_APT_CACHE  .debs for packages the copy lacks (default /var/cache/sidus/apt/bookworm-amd64)
 */
let REF: string
const NAME = 'bookworm64'
const MINUTES = 60_000

let base: string
let world: ReturnType<typeof tempWorld>
let fullBytes = 0
/** the world's config plus initrd.nic_drivers */
const narrowedConfig = (drivers: string[]): string => {
  const file = path.join(world.dir, `sidus-nics-${drivers.join('-')}.yaml`)
  writeFileSync(file, `${readFileSync(world.config, 'utf8')}\ninitrd:\n  nic_drivers: [${drivers.join(', ')}]\n`)
  return file
}
let root: string
let kernel: string
let ctx: Ctx

beforeAll(async () => {
  REF = await ensureRefRoot()
  // /var/tmp: the copy of the root is ~750 MB; a directory of our own around the world
  base = mkdtempSync('/var/tmp/sidus-dracut-it-')
  world = tempWorld('', base)
  root = path.join(world.roots, NAME)
  await execa('cp', ['-a', REF, root])
  kernel = readdirSync(path.join(root, 'boot')).find((f) => f.startsWith('vmlinuz-'))!.slice('vmlinuz-'.length)
  ctx = { config: loadConfig(world.config), runner: new LocalRunner() }
}, 10 * MINUTES)

afterAll(async () => {
  // sessions leave no mount behind; --one-file-system keeps rm off anything that would still be mounted
  if (base) await execa('rm', ['-rf', '--one-file-system', base])
})

const pgrep = () => path.join(root, 'usr/bin/pgrep')

/** Install packages the copy lacks from .debs in the apt cache, as create would from the mirror. */
async function installFromCache(pkgs: string[]): Promise<void> {
  const debs = pkgs.map((p) => {
    const deb = readdirSync(APT_CACHE).find((f) => f.startsWith(`${p}_`) && f.endsWith('_amd64.deb'))
    if (!deb) throw new Error(`${REF} lacks ${p} and ${APT_CACHE} has no ${p}_*.deb: set SIDUS_TEST_APT_CACHE or rebuild the root with DRACUT_ROOT_PACKAGES`)
    return deb
  })
  for (const deb of debs) await execa('cp', [path.join(APT_CACHE, deb), path.join(root, 'tmp', deb)])
  await runInRoot(ctx, NAME, ['dpkg', '-i', ...debs.map((d) => `/tmp/${d}`)])
  await runInRoot(ctx, NAME, ['rm', '-f', ...debs.map((d) => `/tmp/${d}`)])
}

describe('sidus initrd build / verify in a real root', () => {
  it('refuses a root without pgrep before touching it, naming procps', async () => {
    const hadPgrep = existsSync(pgrep())
    if (hadPgrep) renameSync(pgrep(), `${pgrep()}.away`)
    try {
      const r = await sidus(['initrd', 'build', NAME], { env: world.env })
      expect(r.exitCode).toBe(69)
      expect(r.stderr).toContain('pgrep (procps)')
      expect(r.stderr).toContain(`sidus exec ${NAME} -- apt-get install -y procps`)
      expect(existsSync(path.join(root, 'usr/lib/dracut/modules.d/90sidus'))).toBe(false)
    } finally {
      if (hadPgrep) renameSync(`${pgrep()}.away`, pgrep())
    }
    if (!hadPgrep) await installFromCache(['libproc2-0', 'procps'])
    expect(existsSync(pgrep())).toBe(true)
  }, 5 * MINUTES)

  it('`initrd build` installs the module and builds a small zstd initrd with the root\'s dracut', async () => {
    const r = await sidus(['initrd', 'build', NAME, '--json'], { env: world.env })
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    const out = JSON.parse(r.stdout) as { initrds: { kernel: string; path: string; bytes: number; seconds: number }[] }
    expect(out.initrds).toEqual([{
      kernel, path: `/boot/initrd.img-${kernel}`, bytes: expect.any(Number), seconds: expect.any(Number),
      split: { dir: `/boot/sidus-nics-${kernel}`, baseBytes: expect.any(Number), allBytes: expect.any(Number), vendors: expect.any(Number), largest: { file: expect.stringMatching(/^pci-[0-9a-f]{4}\.img$/), bytes: expect.any(Number) } },
    }])
    const image = path.join(root, 'boot', `initrd.img-${kernel}`)
    expect(statSync(image).size).toBe(out.initrds[0].bytes)
    expect(statSync(image).mode & 0o777).toBe(0o600) // dracut's; publish makes its copy readable
    expect(readdirSync(path.join(root, 'boot')).filter((f) => f.includes('sidus-new'))).toEqual([])
    // every NIC family, no systemd: ~16 MiB against the stock 51.6 MiB (bench/initrd has the figures)
    expect(out.initrds[0].bytes).toBeLessThan(17 * 1024 * 1024)
    fullBytes = out.initrds[0].bytes
    // zstd frame magic: compress="zstd…" took effect (the root has zstd)
    expect(readFileSync(image).subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))
    expect(readdirSync(path.join(root, 'usr/lib/dracut/modules.d/90sidus')).sort()).toEqual(['module-setup.sh', 'protocols', 'sidus-arping2.sh', 'sidus-dhclient-script.sh', 'sidus-dhclient.conf', 'sidus-mount.sh'])
    expect(existsSync(path.join(root, 'etc/dracut.conf.d/90-sidus.conf'))).toBe(true)
  }, 10 * MINUTES)

  it('`initrd verify` passes: overlay.ko, the NFS client, dhclient, our hook and lease line are inside', async () => {
    const r = await sidus(['initrd', 'verify', NAME, '--json'], { env: world.env })
    expect(r.exitCode).toBe(0)
    const out = JSON.parse(r.stdout) as { initrds: { kernel: string; ok: boolean; missing: string[]; modules: string[] }[] }
    expect(out.initrds).toHaveLength(1)
    expect(out.initrds[0]).toMatchObject({ kernel, ok: true, missing: [] })
    expect(out.initrds[0].modules).toEqual(expect.arrayContaining(['sidus', 'nfs', 'network-legacy', 'dash']))
    expect(out.initrds[0].modules).not.toContain('systemd-networkd')
    // dracut's shell init, not systemd, runs the initrd
    expect(out.initrds[0].modules).not.toContain('systemd')
    expect(out.initrds[0].modules).toContain('base')
    // what no step of an NFS boot uses stayed out: the shutdown module, udev's seat rules with
    // loginctl and libsystemd-shared (99sidus-trim), the NFSv4 client (the default options pin vers=3)
    expect(out.initrds[0].modules).toContain('sidus-trim')
    expect(out.initrds[0].modules).not.toContain('shutdown')
    const listing = (await runInRoot(ctx, NAME, ['lsinitrd', `/boot/initrd.img-${kernel}`])).stdout
    expect(listing).not.toMatch(/\/(loginctl|systemctl|libsystemd-shared-[^/]*\.so|71-seat\.rules|nfsv4\.ko)$/m)
    // nor the NFS daemons a nolock NFSv3 mount never talks to
    expect(listing).not.toMatch(/bin\/(rpcbind|rpc\.statd|rpc\.idmapd)$/m)
    expect(listing).toMatch(/\/nfsv3\.ko$/m)
    // 90sidus's dhclient script, which the image's dhclient.conf names (verify passed: it checks the two agree)
    expect(listing).toMatch(/ usr\/sbin\/sidus-dhclient-script$/m)
    // nor local disks' udev helpers and rules, blkid, findmnt, nor the libraries only procps'
    // pgrep and coreutils' expr linked (the image has our one-call versions of those two)
    expect(listing).not.toMatch(/\/(ata_id|scsi_id|cdrom_id|60-persistent-storage\.rules|64-btrfs\.rules|blkid|findmnt)$/m)
    expect(listing).not.toMatch(/\/(libproc2|libsystemd|libgcrypt|libgmp|libsmartcols|libudev)\.so[^/]*$/m)
    expect(listing).toMatch(/usr\/bin\/pgrep$/m)
    expect(listing).toMatch(/usr\/bin\/expr$/m)
    // a pidof (none was, and dracut-lib's stand-in forks readlink once per process), and the arping2
    // that answers the static path's probe of iPXE's lease (the root's arping is iputils')
    expect(listing).toMatch(/ usr\/bin\/pidof$/m)
    expect(listing).toMatch(/ usr\/bin\/arping2$/m)
    expect(listing).toMatch(/ usr\/bin\/arping$/m)
  }, 5 * MINUTES)

  it("the image's pgrep, expr and pidof answer network-legacy's and 95nfs's calls as procps and coreutils do, and refuse other forms", async () => {
    await runInRoot(ctx, NAME, ['sh', '-c', 'rm -rf /tmp/initrd-tools && mkdir /tmp/initrd-tools && cd /tmp/initrd-tools && lsinitrd --unpack "$1"', 'sh', `/boot/initrd.img-${kernel}`])
    const unpacked = path.join(root, 'tmp/initrd-tools')
    try {
      const inImage = (argv: string[]) => execa('chroot', [unpacked, ...argv], { reject: false })
      // 98-parse-ip-opts.sh: the bytes of a MAC out of an enx<MAC> name
      for (const [pos, len] of [['4', '2'], ['14', '2'], ['16', '2'], ['0', '2']]) {
        const ours = await inImage(['/usr/bin/expr', 'substr', 'enx525400123456', pos, len])
        const coreutils = await execa('expr', ['substr', 'enx525400123456', pos, len], { reject: false })
        expect([ours.stdout, ours.exitCode]).toEqual([coreutils.stdout, coreutils.exitCode])
      }
      expect((await inImage(['/usr/bin/expr', 'length', 'x'])).exitCode).toBe(2)
      // dhcp-multi.sh: `pgrep dhclient`; the chroot has /proc only once it is mounted: a pid namespace of its own
      const sleeper = await execa('unshare', ['--pid', '--fork', '--mount-proc', '--root', unpacked, '/bin/sh', '-c', 'sleep 30 & /usr/bin/pgrep sleep; echo "rc=$?"; /usr/bin/pgrep nothing-such; echo "rc=$?"; kill $!'], { reject: false })
      expect(sleeper.stdout.split('\n')).toEqual([expect.stringMatching(/^[0-9]+$/), 'rc=0', 'rc=1'])
      expect((await inImage(['/usr/bin/pgrep', '-f', 'dhclient'])).exitCode).toBe(2)
      // 95nfs's hooks: `pidof rpcbind`, against a real /proc; the image's arping2 is 90sidus's
      const pidof = await execa('unshare', ['--pid', '--fork', '--mount-proc', '--root', unpacked, '/bin/sh', '-c', 'sleep 30 & a=$!; sleep 31 & b=$!; /usr/bin/pidof sleep; echo "rc=$?"; /usr/bin/pidof rpcbind; echo "rc=$?"; kill $a $b'], { reject: false })
      expect(pidof.stdout.split('\n')).toEqual([expect.stringMatching(/^[0-9]+ [0-9]+$/), 'rc=0', 'rc=1'])
      expect(readFileSync(path.join(unpacked, 'usr/bin/arping2'), 'utf8')).toBe(readFileSync(assetPath('dracut/90sidus/sidus-arping2.sh'), 'utf8'))
    } finally {
      await execa('rm', ['-rf', '--one-file-system', unpacked])
    }
  }, 5 * MINUTES)

  it("the image's dracut-lib.sh reads the command line with the shell alone (no dracut-util run per lookup), its dhclient cleanup waits for none that never ran, and its link waits read sysfs", async () => {
    await runInRoot(ctx, NAME, ['sh', '-c', 'rm -rf /tmp/initrd-lib && mkdir /tmp/initrd-lib && cd /tmp/initrd-lib && lsinitrd --unpack "$1"', 'sh', `/boot/initrd.img-${kernel}`])
    const unpacked = path.join(root, 'tmp/initrd-lib')
    try {
      const lib = readFileSync(path.join(unpacked, 'usr/lib/dracut-lib.sh'), 'utf8')
      expect(lib).not.toMatch(/dracut-getargs? "/)
      expect(lib.match(/_sidus_getargs? "/g)?.length).toBe(4)
      expect(lib).toContain(readFileSync(assetPath('dracut/99sidus-trim/getarg.sh'), 'utf8'))
      // the image's own shell and library, a client's command line, no program reachable
      writeFileSync(path.join(unpacked, 'proc/cmdline'), 'BOOTIF=01-52-54-00-5d-00-01 ip=10.213.70.186::10.213.70.254:255.255.255.0:::none sidus.lease=firmware sidus=overlay rd.neednet=1 console=tty0 console=ttyS0\n')
      for (const d of ['run/initramfs/log', 'run/lock', 'run/log']) mkdirSync(path.join(unpacked, d), { recursive: true })
      const r = await execa('/usr/sbin/chroot', [unpacked, '/bin/sh', '-c', '. /lib/dracut-lib.sh; getarg sidus; getarg ip; getargs console; getargbool 0 rd.neednet && echo neednet; getargbool 0 rd.debug || echo nodebug; getarg sidus.lease=firmware && echo firmware'], { reject: false, all: true, env: { PATH: '/nonexistent' } })
      expect(r.all?.split('\n')).toEqual(['overlay', '10.213.70.186::10.213.70.254:255.255.255.0:::none', 'tty0', 'ttyS0', 'neednet', 'nodebug', 'firmware'])
      expect(readFileSync(path.join(unpacked, 'usr/lib/dracut/hooks/cleanup/10-kill-dhclient.sh'), 'utf8')).toBe(readFileSync(assetPath('dracut/99sidus-trim/kill-dhclient.sh'), 'utf8'))
      // net-lib.sh: dracut's, then link-wait.sh, whose link waits replace dracut's (the last definition wins)
      const netLib = readFileSync(path.join(unpacked, 'usr/lib/net-lib.sh'), 'utf8')
      expect(netLib.endsWith(readFileSync(assetPath('dracut/99sidus-trim/link-wait.sh'), 'utf8'))).toBe(true)
      expect(netLib.startsWith(readFileSync(`${root}/usr/lib/dracut/modules.d/40network/net-lib.sh`, 'utf8'))).toBe(true)
    } finally {
      await execa('rm', ['-rf', '--one-file-system', unpacked])
    }
  }, 5 * MINUTES)

  it("the image's coldplug skips what an NFS root's initrd never uses (coldplug-skip), as a real udevadm reads it; the NFSv3 root's rpc hooks are gone", async () => {
    await runInRoot(ctx, NAME, ['sh', '-c', 'rm -rf /tmp/initrd-init && mkdir /tmp/initrd-init && cd /tmp/initrd-init && lsinitrd --unpack "$1"', 'sh', `/boot/initrd.img-${kernel}`])
    const unpacked = path.join(root, 'tmp/initrd-init')
    try {
      const skipped = readFileSync(assetPath('dracut/99sidus-trim/coldplug-skip'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/)[0])
      expect(skipped).toEqual(expect.arrayContaining(['tty', 'memory', 'cpu', 'block']))
      for (const keep of ['net', 'pci', 'usb', 'virtio', 'platform', 'input', 'hid', 'firmware', 'dmi']) expect(skipped).not.toContain(keep)
      const init = readFileSync(path.join(unpacked, 'init'), 'utf8')
      const triggers = init.split('\n').filter((l) => l.startsWith('udevadm trigger --type='))
      expect(triggers.length).toBe(2)
      for (const line of triggers) {
        expect(line).toMatch(/^udevadm trigger --type=(subsystems|devices) --action=add --subsystem-nomatch=/)
        expect([...line.matchAll(/--subsystem-nomatch=(\S+)/g)].map((m) => m[1])).toEqual(skipped)
      }
      // the same arguments to a real udevadm (the image's own, this machine's /sys bound into it in a mount
      // namespace of its own), dry run over this machine's devices: none of the skipped subsystems is
      // replayed, the network devices are
      const args = triggers[1].replace(/ >.*$/, '').split(' ').slice(1)
      const subsystemOf = (p: string) => { try { return path.basename(readlinkSync(path.join(p, 'subsystem'))) } catch { return '' } }
      const trigger = async (argv: string[]) => (await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
        'mount --rbind /sys "$1/sys" && shift && exec chroot "$@"', 'sh', unpacked, unpacked, '/usr/bin/udevadm', ...argv, '--dry-run', '--verbose'])).stdout.split('\n').filter(Boolean)
      const dry = await trigger(args)
      const all = await trigger(['trigger', '--type=devices', '--action=add'])
      expect(dry.length).toBeGreaterThan(0)
      expect(dry.length).toBeLessThan(all.length)
      expect(dry.filter((p) => skipped.includes(subsystemOf(p)))).toEqual([])
      expect(dry).toContain('/sys/devices/virtual/net/lo')
      expect(all.filter((p) => !dry.includes(p)).every((p) => skipped.includes(subsystemOf(p)))).toBe(true)
      // NFSv3 with nolock: no rpc daemon in the image, so none of 95nfs's hooks for them either
      for (const h of ['pre-udev/99-nfs-start-rpc.sh', 'cleanup/99-nfsroot-cleanup.sh']) expect(existsSync(path.join(unpacked, 'usr/lib/dracut/hooks', h)), h).toBe(false)
      const parse = readFileSync(path.join(unpacked, 'usr/lib/dracut/hooks/cmdline/90-parse-nfsroot.sh'), 'utf8')
      const theirs = readFileSync(`${root}/usr/lib/dracut/modules.d/95nfs/parse-nfsroot.sh`, 'utf8')
      expect(parse).not.toMatch(/rpcbind/)
      expect(theirs).toMatch(/^chown _rpc:root \/var\/lib\/rpcbind$/m)
      expect(parse).toBe(theirs.replace(/^(mkdir -p|chown _rpc:root|chmod 770) \/var\/lib\/rpcbind\n/gm, ''))
    } finally {
      await execa('rm', ['-rf', '--one-file-system', unpacked])
    }
  }, 5 * MINUTES)

  it('every program left in the image finds each library it links inside the image (nothing the trim took is needed)', async () => {
    await runInRoot(ctx, NAME, ['sh', '-c', 'rm -rf /tmp/initrd-ldd && mkdir /tmp/initrd-ldd && cd /tmp/initrd-ldd && lsinitrd --unpack "$1"', 'sh', `/boot/initrd.img-${kernel}`])
    const unpacked = path.join(root, 'tmp/initrd-ldd')
    try {
      // the image's own loader lists each ELF file's libraries, resolved inside the image only
      // (not libnfsidmap's plugins: dracut's 95nfs copies them without their libraries, umich_ldap's libldap)
      const r = await execa('sh', ['-c', `cd "$1" && find . -path ./usr/lib/modules -prune -o -path '*/libnfsidmap/*' -prune -o -type f -print | while read -r f; do
          [ "$(head -c 4 "$f" | tr -d '\\177')" = ELF ] || continue
          echo "== $f"; chroot "$1" /usr/lib64/ld-linux-x86-64.so.2 --list "\${f#.}" 2>&1 || echo "FAILED $f"
        done`, 'sh', unpacked], { all: true })
      expect(r.all).toContain('== ./usr/bin/udevadm')
      expect(r.all).toContain('== ./usr/sbin/dhclient')
      expect(r.all).not.toMatch(/not found|FAILED/)
    } finally {
      await execa('rm', ['-rf', '--one-file-system', unpacked])
    }
  }, 5 * MINUTES)

  it('initrd.nic_drivers naming a driver the kernel lacks is refused before the root changes', async () => {
    const image = path.join(root, `boot/initrd.img-${kernel}`)
    const before = statSync(image).mtimeMs
    const env = { ...world.env, SIDUS_CONFIG: narrowedConfig(['virtio_net', 'nosuchnic']) }
    const r = await sidus(['initrd', 'build', NAME], { env })
    expect(r.exitCode).toBe(78)
    expect(r.stderr).toContain(`initrd.nic_drivers names nosuchnic: kernel ${kernel} of ${NAME} has no network driver of that name`)
    expect(statSync(image).mtimeMs).toBe(before)
  })

  it("the split for iPXE clients: base without the PCI NIC drivers, a piece per vendor with its drivers, base + all = the image; verify checks it", async () => {
    const dir = path.join(root, 'boot', `sidus-nics-${kernel}`)
    const image = path.join(root, 'boot', `initrd.img-${kernel}`)
    expect(readFileSync(path.join(dir, 'source.sha256'), 'utf8').trim()).toBe(createHash('sha256').update(readFileSync(image)).digest('hex'))
    const files = readdirSync(dir)
    expect(files).toEqual(expect.arrayContaining(['base.img', 'all.img', 'pci-8086.img', 'pci-1af4.img', 'pci-14e4.img', 'pci-15b3.img', 'source.sha256']))
    expect(files.filter((f) => !/^(base|all|pci-[0-9a-f]{4})\.img$|^source\.sha256$/.test(f))).toEqual([])
    const list = async (file: string) => (await runInRoot(ctx, NAME, ['lsinitrd', `/boot/sidus-nics-${kernel}/${file}`])).stdout
    const base = await list('base.img')
    // the PCI NIC drivers left base; what they need and what any vendor's NIC uses stayed (modules.dep names them all)
    expect(base).not.toMatch(/\/(e1000e|igb|virtio_net|tg3|mlx5_core)\.ko$/m)
    expect(base).toMatch(/\/(overlay|nfsv3|sunrpc|virtio_pci)\.ko$/m)
    expect(base).toMatch(/\/modules\.dep$/m)
    const dep = (await runInRoot(ctx, NAME, ['sh', '-c', `zstd -dcq /boot/sidus-nics-${kernel}/base.img | cpio -i --quiet --to-stdout usr/lib/modules/${kernel}/modules.dep`])).stdout
    expect(dep).toMatch(/ethernet\/intel\/e1000e\/e1000e\.ko:/)
    // each vendor's piece: its drivers (virtio-net's PCI vendor is 1af4), not another vendor's
    const intel = await list('pci-8086.img')
    expect(intel).toMatch(/\/e1000e\.ko$/m)
    expect(intel).toMatch(/\/ixgbe\.ko$/m)
    expect(intel).not.toMatch(/\/(tg3|virtio_net|mlx5_core)\.ko$/m)
    expect(await list('pci-1af4.img')).toMatch(/\/virtio_net\.ko$/m)
    // a library only moved drivers use goes with them (qede's qed, virtio_net's net_failover)
    expect(await list('pci-1077.img')).toMatch(/\/qed\.ko$/m)
    expect(await list('pci-1af4.img')).toMatch(/\/net_failover\.ko$/m)
    expect(base).not.toMatch(/\/(qed|net_failover)\.ko$/m)
    // USB NIC drivers: all.img only (iPXE loads it for a NIC off PCI), never in base or a vendor's piece
    const all = await list('all.img')
    expect(all).toMatch(/\/net\/usb\/r8152\.ko$/m)
    expect(base).not.toMatch(/\/net\/usb\/[^/]+\.ko$/m)
    expect(intel).not.toMatch(/\/net\/usb\//)
    expect(await list('pci-14e4.img')).toMatch(/\/tg3\.ko$/m)
    // what an iPXE client pulls: base and at most the biggest piece, well under the whole image
    const biggest = Math.max(...files.filter((f) => f.startsWith('pci-')).map((f) => statSync(path.join(dir, f)).size))
    expect(statSync(path.join(dir, 'base.img')).size + biggest).toBeLessThan(statSync(image).size - 3 * 1024 * 1024)
    const v = await sidus(['initrd', 'verify', NAME, '--json'], { env: world.env })
    expect(v.exitCode, v.all).toBe(0)
    expect((JSON.parse(v.stdout) as { initrds: { split: unknown }[] }).initrds[0].split).toEqual({ dir: `/boot/sidus-nics-${kernel}`, current: true, missing: [] })
  }, 5 * MINUTES)

  it('verify fails on a split whose all.img lost a driver, naming it', async () => {
    const dir = path.join(root, 'boot', `sidus-nics-${kernel}`)
    renameSync(path.join(dir, 'all.img'), path.join(dir, 'all.img.keep'))
    try {
      // a stand-in all.img: the Intel piece only
      writeFileSync(path.join(dir, 'all.img'), readFileSync(path.join(dir, 'pci-8086.img')))
      const v = await sidus(['initrd', 'verify', NAME], { env: world.env })
      expect(v.exitCode).toBe(1)
      expect(v.stderr).toMatch(/tg3\.ko \(in neither base\.img nor all\.img\)/)
    } finally {
      renameSync(path.join(dir, 'all.img.keep'), path.join(dir, 'all.img'))
    }
  }, 5 * MINUTES)

  it('a root that planted symlinks where the split goes (its name, its temp names) gets a real directory; nothing they point at is touched', async () => {
    const boot = path.join(root, 'boot')
    const dir = path.join(boot, `sidus-nics-${kernel}`)
    const canary = mkdtempSync('/var/tmp/sidus-split-canary-')
    try {
      writeFileSync(path.join(canary, 'keep'), 'x')
      rmSync(dir, { recursive: true })
      // absolute: inside the root it is the root's own /etc; the others lead out to the server
      symlinkSync('/etc', dir)
      symlinkSync(canary, `${dir}.sidus-new`)
      symlinkSync(canary, `${dir}.sidus-old`)
      // and what a build killed mid-split leaves
      mkdirSync(`${dir}.sidus-new.tmp`)
      writeFileSync(path.join(`${dir}.sidus-new.tmp`, 'base.img'), 'half')
      const r = await sidus(['initrd', 'build', NAME, '--json'], { env: world.env, timeout: 10 * MINUTES })
      expect(r.exitCode, r.all).toBe(0)
      expect(lstatSync(dir).isDirectory()).toBe(true)
      expect(readdirSync(dir)).toContain('base.img')
      expect(existsSync(path.join(root, 'etc/os-release'))).toBe(true)
      expect(existsSync(path.join(root, 'etc/base.img'))).toBe(false)
      expect(readdirSync(canary)).toEqual(['keep'])
      expect(readdirSync(boot).filter((f) => f.includes('sidus-'))).toEqual([`sidus-nics-${kernel}`])
    } finally {
      rmSync(canary, { recursive: true, force: true })
    }
  }, 10 * MINUTES)

  it('initrd.nic_drivers narrows the NIC drivers: a smaller image that verify checks for the named ones', async () => {
    const env = { ...world.env, SIDUS_CONFIG: narrowedConfig(['virtio_net', 'e1000e']) }
    const r = await sidus(['initrd', 'build', NAME, '--json'], { env, timeout: 10 * MINUTES })
    expect(r.exitCode, r.all).toBe(0)
    const bytes = (JSON.parse(r.stdout) as { initrds: { bytes: number }[] }).initrds[0].bytes
    // the NIC drivers were ~6.6 of the ~16 MiB
    expect(bytes).toBeLessThan(fullBytes - 4 * 1024 * 1024)
    expect((await sidus(['initrd', 'verify', NAME], { env })).exitCode).toBe(0)
    const listing = (await runInRoot(ctx, NAME, ['lsinitrd', `/boot/initrd.img-${kernel}`])).stdout
    expect(listing).toMatch(/kernel\/drivers\/net\/virtio_net\.ko/)
    expect(listing).toMatch(/kernel\/drivers\/net\/ethernet\/intel\/e1000e\/e1000e\.ko/)
    expect(listing).not.toMatch(/\/ixgbe\.ko|\/mlx5_core\.ko|\/tg3\.ko/)
    // its split: the two vendors of those two drivers
    const pieces = readdirSync(path.join(root, 'boot', `sidus-nics-${kernel}`)).filter((f) => f.startsWith('pci-')).sort()
    expect(pieces).toEqual(['pci-1af4.img', 'pci-8086.img'])
    // asking for a driver this image does not carry: verify names it
    const other = await sidus(['initrd', 'verify', NAME], { env: { ...world.env, SIDUS_CONFIG: narrowedConfig(['igb']) } })
    expect(other.exitCode).toBe(1)
    expect(other.stdout).toContain('igb.ko (initrd.nic_drivers)')
  }, 10 * MINUTES)

  it("the initrd's own dhclient gives the DHCP address no lifetime (valid_lft forever); without our line it expires", async () => {
    // the built initrd, unpacked by the root's lsinitrd
    await runInRoot(ctx, NAME, ['sh', '-c', 'mkdir /tmp/initrd && cd /tmp/initrd && lsinitrd --unpack "$1"', 'sh', `/boot/initrd.img-${kernel}`])
    const unpacked = path.join(root, 'tmp/initrd')
    const conf = readFileSync(path.join(unpacked, 'etc/dhclient.conf'), 'utf8')
    writeFileSync(path.join(unpacked, 'etc/dhclient-without-sidus.conf'), conf.replace(/^supersede dhcp-lease-time 4294967295;$/m, ''))

    // two namespaces of this test joined by a veth pair, nothing else: dnsmasq serves 2-minute leases
    const id = randomBytes(3).toString('hex')
    const [srv, cli, srvIf, cliIf] = [`sidus-t4s-${id}`, `sidus-t4c-${id}`, `t4s${id}`, `t4c${id}`]
    const children: ResultPromise[] = []
    const address = async () => (await execa('ip', ['-n', cli, '-4', '-o', 'addr', 'show', 'dev', cliIf])).stdout
    const lease = async (confFile: string) => {
      const child = execa('ip', ['netns', 'exec', cli, 'unshare', '-m', '--propagation', 'private', 'sh',
        path.join(REPO, 'test/integration/dracut/lease-client.sh'), unpacked, cliIf, confFile], { reject: false, all: true })
      children.push(child)
      const until = Date.now() + 60_000
      while (!/inet 10\.123\.0\./.test(await address())) {
        if (Date.now() > until || child.exitCode !== null) {
          child.kill('SIGKILL')
          throw new Error(`no DHCP address on ${cliIf}:\n${(await child).all}`)
        }
        await new Promise((r) => setTimeout(r, 300))
      }
      const line = await address()
      child.kill('SIGTERM')
      await child
      await execa('ip', ['-n', cli, 'addr', 'flush', 'dev', cliIf])
      return line
    }
    try {
      await execa('ip', ['netns', 'add', srv])
      await execa('ip', ['netns', 'add', cli])
      await execa('ip', ['link', 'add', srvIf, 'netns', srv, 'type', 'veth', 'peer', 'name', cliIf, 'netns', cli])
      await execa('ip', ['-n', srv, 'addr', 'add', '10.123.0.1/24', 'dev', srvIf])
      await execa('ip', ['-n', srv, 'link', 'set', srvIf, 'up'])
      await execa('ip', ['-n', cli, 'link', 'set', cliIf, 'up'])
      children.push(execa('ip', ['netns', 'exec', srv, 'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--port=0',
        '--bind-interfaces', `--interface=${srvIf}`, '--dhcp-range=10.123.0.50,10.123.0.60,2m', '--no-resolv', '--no-hosts',
        '--pid-file=', `--dhcp-leasefile=${path.join(world.dir, 'dnsmasq.leases')}`], { reject: false }))

      expect(await lease('/etc/dhclient.conf')).toMatch(/inet 10\.123\.0\.\d+\/24 .*valid_lft forever preferred_lft forever/)
      const control = await lease('/etc/dhclient-without-sidus.conf')
      expect(control).not.toContain('valid_lft forever')
      expect(Number(/valid_lft (\d+)sec/.exec(control)?.[1])).toBeLessThanOrEqual(120)
    } finally {
      for (const c of children) c.kill('SIGKILL')
      await Promise.all(children)
      await execa('ip', ['netns', 'del', srv], { reject: false })
      await execa('ip', ['netns', 'del', cli], { reject: false })
      await execa('rm', ['-rf', '--one-file-system', unpacked])
    }
  }, 5 * MINUTES)

  it('installing the module again (an upgrade with the same files) changes nothing and duplicates nothing', async () => {
    const again = await installModule(ctx, NAME)
    expect(again.changed).toEqual([])
    expect(again.removed).toEqual([])
    expect(readdirSync(path.join(root, 'etc/dracut.conf.d')).filter((f) => f.includes('sidus'))).toEqual(['90-sidus.conf'])
  })

  it('`initrd verify` fails on an initrd built without our module, naming what is missing', async () => {
    await runInRoot(ctx, NAME, ['dracut', '--force', '--omit', 'sidus', '--kver', kernel, `/boot/initrd.img-${kernel}`])
    const r = await sidus(['initrd', 'verify', NAME], { env: world.env })
    expect(r.exitCode).toBe(1)
    const lacks = "overlay.ko, the sidus hook (pre-pivot/*-sidus-mount.sh), sidus's lease setting in /etc/dhclient.conf"
    expect(r.stdout).toContain(`MISSING: ${lacks}`)
    expect(r.stderr).toContain(`initrd of ${NAME} incomplete: ${kernel} lacks ${lacks}`)
    expect(r.stderr).toContain(`fix: sidus initrd build ${NAME} --kernel ${kernel}`)
  }, 10 * MINUTES)

  it('an unknown kernel is refused with the list of the root\'s kernels', async () => {
    const r = await sidus(['initrd', 'verify', NAME, '--kernel', '9.9.9-1-amd64'], { env: world.env })
    expect(r.exitCode).toBe(66)
    expect(r.stderr).toContain(`kernels in ${NAME}: ${kernel}`)
  })
})
