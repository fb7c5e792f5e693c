import { execa } from 'execa'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REPO } from '../../helpers/cli.js'

/**
 * The real assets/dracut/90sidus/sidus-mount.sh, sourced as dracut's pre-pivot does, under
 * dash, bash and busybox sh, with getarg/warn/info and mount/umount/modprobe stubbed
 * (test/integration/dracut/mount-harness.sh). Each run has its own mount namespace with a
 * tmpfs on /run, where the script really creates /run/sidus and writes its state file.
 */
const SCRIPT = path.join(REPO, 'assets/dracut/90sidus/sidus-mount.sh')
const HARNESS = path.join(REPO, 'test/integration/dracut/mount-harness.sh')
const SHELLS: string[][] = [['dash'], ['bash', '--posix'], ['busybox', 'sh']]
const NFS3 = 'root=nfs:10.20.17.254:/srv/nfsroot/bookworm64:vers=3,rsize=1048576,wsize=1048576,tcp,nolock,noatime,nocto,actimeo=1,hard'
const NFS3_RW = 'root=nfs:10.20.17.254:/srv/nfsroot/bookworm64:vers=3,rw,rsize=1048576,wsize=1048576,tcp,nolock,noatime,nocto,actimeo=1,hard'
const NFS4 = 'root=nfs4:10.20.17.254:/srv/nfsroot/bookworm64:vers=4.2,rsize=1048576,wsize=1048576,hard'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sidus-mount-script-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

interface Run { calls: string[]; messages: string[]; state?: Record<string, string>; dirs: string[] }

async function runScript(shell: string[], cmdline: string, fail: string[] = []): Promise<Run> {
  const out = mkdtempSync(path.join(tmp, 'run-'))
  const r = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs sidus-harness /run && exec "$@"', 'sh',
    ...shell, HARNESS, SCRIPT, out, cmdline], { env: { FAIL: fail.join('\n') }, reject: false })
  expect(r.stderr).toBe('')
  expect(r.exitCode).toBe(0)
  const lines = (f: string) => (existsSync(path.join(out, f)) ? readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean) : [])
  const stateLines = lines('state')
  return {
    calls: lines('calls'),
    messages: lines('messages'),
    state: stateLines.length ? Object.fromEntries(stateLines.map((l) => l.split('=', 2) as [string, string])) : undefined,
    dirs: lines('dirs'),
  }
}

const layers = (size: string) => [
  `mount -t tmpfs -o mode=0755,size=${size} sidus-rw /run/sidus/rw`,
  'mount --bind /sysroot /run/sidus/ro',
  'umount /sysroot',
]
const overlay = [
  'modprobe overlay',
  'mount -t overlay -o noatime,lowerdir=/run/sidus/ro,upperdir=/run/sidus/rw/upper,workdir=/run/sidus/rw/work sidus /sysroot',
]

describe.each(SHELLS)('90sidus mount script under %s', (...shell) => {
  it('overlay: NFSv3 root read-only underneath, a tmpfs of sidus.size on top, the layers under /run/sidus', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3} sidus=overlay sidus.size=2g console=ttyS0`)
    expect(r.calls).toEqual([...layers('2g'), ...overlay])
    expect(r.state).toEqual({ requested: 'overlay', mode: 'overlay', size: '2g' })
    expect(r.dirs).toEqual(['.', './ro', './rw', './rw/upper', './rw/work'])
    expect(r.messages.filter((m) => m.startsWith('warn:'))).toEqual([])
  })

  it('no sidus= and no sidus.size=: overlay on a tmpfs of 50% of RAM', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3}`)
    expect(r.calls).toEqual([...layers('50%'), ...overlay])
    expect(r.state).toEqual({ requested: 'overlay', mode: 'overlay', size: '50%' })
  })

  it('NFSv4 root string (root=nfs4:…): the same overlay', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS4} sidus=overlay sidus.size=512m`)
    expect(r.calls).toEqual([...layers('512m'), ...overlay])
    expect(r.state?.mode).toBe('overlay')
  })

  it('aufs where modprobe aufs works: an aufs union, no overlay', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3} sidus=aufs sidus.size=1g`)
    expect(r.calls).toEqual([
      'modprobe aufs',
      ...layers('1g'),
      'mount -t aufs -o noatime,br=/run/sidus/rw/upper=rw:/run/sidus/ro=ro sidus /sysroot',
    ])
    expect(r.state).toEqual({ requested: 'aufs', mode: 'aufs', size: '1g' })
  })

  it('aufs missing from the kernel: a console warning, then overlay', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3} sidus=aufs`, ['modprobe aufs'])
    expect(r.calls).toEqual(['modprobe aufs', ...layers('50%'), ...overlay])
    expect(r.messages.filter((m) => m.startsWith('warn:'))).toEqual([
      expect.stringMatching(/^warn: sidus: aufs is not available in kernel \S+: falling back to overlay$/),
    ])
    expect(r.state).toEqual({ requested: 'aufs', mode: 'overlay', size: '50%' })
  })

  it('rw (the master): the NFS mount stays the root, nothing is mounted or remounted', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3_RW} sidus=rw`)
    expect(r.calls).toEqual([])
    expect(r.messages.filter((m) => m.startsWith('warn:'))).toEqual([])
    expect(r.state).toEqual({ requested: 'rw', mode: 'rw', size: '' })
  })

  it('rw without rw in the NFS options: still no mount call, a warning saying how to fix it', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3} sidus=rw`)
    expect(r.calls).toEqual([])
    expect(r.messages).toContainEqual('warn: sidus: sidus=rw but the NFS root is mounted read-only: add rw to the NFS options of root=')
  })

  it('rw as a kernel argument counts like rw in the NFS options', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3} rw sidus=rw`)
    expect(r.calls).toEqual([])
    expect(r.messages.filter((m) => m.startsWith('warn:'))).toEqual([])
  })

  it('a size that is not a tmpfs size is refused with a warning and the default used', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3} sidus.size=lots`)
    expect(r.calls).toEqual([...layers('50%'), ...overlay])
    expect(r.messages).toContainEqual('warn: sidus: ignoring sidus.size=lots (not a size such as 2g, 512m or 50%): using 50%')
  })

  it('an unknown mode falls back to overlay with a warning', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3} sidus=unionfs`)
    expect(r.calls).toEqual([...layers('50%'), ...overlay])
    expect(r.messages).toContainEqual('warn: sidus: unknown sidus=unionfs (expected overlay, aufs or rw): using overlay')
  })

  it('a root that is not on NFS is left alone', async () => {
    const r = await runScript(shell, 'root=/dev/sda1 sidus=overlay')
    expect(r.calls).toEqual([])
    expect(r.state).toBeUndefined()
  })

  it('the tmpfs cannot be mounted: $NEWROOT keeps the NFS root, untouched', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3}`, ['mount -t tmpfs *'])
    expect(r.calls).toEqual([layers('50%')[0]])
    expect(r.state).toEqual({ requested: 'overlay', mode: 'none', size: '' })
  })

  it('the overlay cannot be mounted: the NFS root is bound back on $NEWROOT (read-only boot)', async () => {
    const r = await runScript(shell, `ip=dhcp ${NFS3}`, ['mount -t overlay *'])
    expect(r.calls).toEqual([...layers('50%'), ...overlay, 'mount --bind /run/sidus/ro /sysroot'])
    expect(r.messages).toContainEqual('warn: sidus: could not mount the overlay layer: booting the NFS root read-only, without a writable layer')
    expect(r.state?.mode).toBe('ro')
  })
})
