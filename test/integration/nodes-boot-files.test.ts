/**
 * The inventory in the TFTP tree, through the real CLI and the host's loader packages: a node
 * that boots otherwise than the menu (another instance, mode, arguments) gets per-MAC pxelinux,
 * iPXE and GRUB files of its own; one that boots the menu gets none; files follow node set/rm
 * and publish; an admin's own per-MAC file is never touched.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fakeInstance, parsePxelinux } from '../helpers/boot-tree.js'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

const world = tempWorld('boot: {console: ttyS0}\n')
const env = world.env
const files = (mac: string) => {
  const dashed = mac.replace(/:/g, '-')
  return [`pxelinux.cfg/01-${dashed}`, `ipxe/01-${dashed}.ipxe`, `grub/grub.cfg-01-${dashed}`].map((f) => path.join(world.tftp, f))
}
const N1 = '52:54:00:00:0a:01'
const N2 = '52:54:00:00:0a:02'
const N3 = '52:54:00:00:0a:03'
const ADMIN_OWN = path.join(world.tftp, 'pxelinux.cfg/01-52-54-00-00-0a-09')

async function ok(args: string[]): Promise<string> {
  const r = await sidus(args, { env })
  expect(r.exitCode, `${args.join(' ')}: ${r.all}`).toBe(0)
  return r.all ?? ''
}

beforeAll(async () => {
  fakeInstance(world.roots, 'bookworm64', ['6.1.0-50-amd64'], { kernelBytes: 1024, initrdBytes: 1024 })
  fakeInstance(world.roots, 'trixie64', ['6.12.9-amd64'], { kernelBytes: 1024, initrdBytes: 1024 })
  await ok(['publish'])
  writeFileSync(ADMIN_OWN, 'DEFAULT local\n')
})
afterAll(() => rmSync(world.dir, { recursive: true, force: true }))

describe('nodes in the TFTP tree', () => {
  test('a node on the menu gets no file; one on another instance gets three, booting it', async () => {
    await ok(['node', 'add', 'n1', N1])
    expect(files(N1).map(existsSync)).toEqual([false, false, false])
    const out = await ok(['node', 'add', 'n2', N2, '--instance', 'trixie64'])
    expect(out).toContain('added pxelinux.cfg/01-52-54-00-00-0a-02')
    expect(files(N2).map(existsSync)).toEqual([true, true, true])
    const [pxe, ipxe, grub] = files(N2).map((f) => readFileSync(f, 'utf8'))
    const parsed = parsePxelinux(pxe)
    expect(parsed.entries).toHaveLength(1)
    expect(parsed.entries[0].kernel).toBe('vmlinuz-6.12.9-amd64@trixie64')
    expect(parsed.entries[0].append).toMatch(new RegExp(`root=nfs:10\\.20\\.17\\.254:${world.roots}/trixie64:\\S+ sidus=overlay`))
    expect(pxe).toMatch(/^# sidus node n2 booting trixie64 \(52:54:00:00:0a:02\)/)
    expect(ipxe).toContain('kernel /vmlinuz-6.12.9-amd64@trixie64 ')
    expect(grub).toContain('linux /vmlinuz-6.12.9-amd64@trixie64 ')
  })

  test('its own mode, arguments and tmpfs size reach its kernel command line', async () => {
    await ok(['node', 'add', 'n3', N3, '--mode', 'aufs', '--extra-args', 'quiet systemd.unit=multi-user.target', '--tmpfs-size', '2G'])
    const append = parsePxelinux(readFileSync(files(N3)[0], 'utf8')).entries[0].append
    expect(append).toMatch(/ sidus=aufs sidus\.size=2G console=ttyS0 quiet systemd\.unit=multi-user\.target$/)
    expect(append).toContain(`${world.roots}/bookworm64:`)
  })

  test('files follow node set and node rm; publish keeps them; the admin\'s own file stays', async () => {
    await ok(['node', 'set', 'n2', '--clear', 'instance'])
    expect(files(N2).map(existsSync)).toEqual([false, false, false])
    const before = readFileSync(files(N3)[0], 'utf8')
    const again = JSON.parse((await sidus(['publish', '--json'], { env })).stdout) as { changed: boolean }
    expect(again.changed).toBe(false)
    expect(readFileSync(files(N3)[0], 'utf8')).toBe(before)
    await ok(['node', 'rm', 'n3'])
    expect(files(N3).map(existsSync)).toEqual([false, false, false])
    expect(readFileSync(ADMIN_OWN, 'utf8')).toBe('DEFAULT local\n')
  })
})
