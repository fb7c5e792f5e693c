import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterEach, describe, expect, it } from 'vitest'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'

describe('sidus delete', () => {
  const mounted: string[] = []
  afterEach(async () => {
    for (const m of mounted.splice(0)) await execa('umount', [m], { reject: false })
  })

  function fakeRoot(world: ReturnType<typeof tempWorld>, name: string): string {
    const root = path.join(world.roots, name)
    mkdirSync(path.join(root, 'boot'), { recursive: true })
    mkdirSync(path.join(root, 'etc'), { recursive: true })
    writeFileSync(path.join(root, 'etc/os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\n')
    return root
  }

  it('refuses while something is mounted beneath the root, naming it, and deletes nothing', async () => {
    const world = tempWorld()
    const root = fakeRoot(world, 'busy64')
    const mnt = path.join(root, 'mnt/data')
    mkdirSync(mnt, { recursive: true })
    await execa('mount', ['-t', 'tmpfs', 'tmpfs', mnt])
    mounted.push(mnt)
    writeFileSync(path.join(mnt, 'precious'), 'do not delete')
    const r = await sidus(['delete', 'busy64', '--force'], { env: world.env })
    expect(r.exitCode).toBe(73)
    expect(r.stderr).toContain(`mounted beneath ${root}: ${mnt}`)
    expect(existsSync(path.join(mnt, 'precious'))).toBe(true)
    expect(existsSync(path.join(root, 'etc/os-release'))).toBe(true)
  })

  it('refuses names that are not instances', async () => {
    const world = tempWorld()
    for (const [name, code, msg] of [['../etc', 64, /invalid instance name/], ['/', 64, /invalid instance name/], ['ghost', 66, /no instance ghost/]] as const) {
      const r = await sidus(['delete', name, '--force'], { env: world.env })
      expect(r.exitCode, name).toBe(code)
      expect(r.stderr).toMatch(msg)
    }
  })

  it('deletes an adopted root (not created by sidus)', async () => {
    const world = tempWorld()
    fakeRoot(world, 'adopted')
    const list = JSON.parse((await sidus(['list', '--json'], { env: world.env })).stdout)
    expect(list.instances).toMatchObject([{ name: 'adopted', origin: 'adopted', suite: 'bookworm' }])
    const r = await sidus(['delete', 'adopted', '--force'], { env: world.env })
    expect(r.exitCode, r.all).toBe(0)
    expect(existsSync(path.join(world.roots, 'adopted'))).toBe(false)
  })
})
