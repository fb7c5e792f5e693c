import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { listsSomething, parseDisklessGenerators, readDisklessGenerators } from '../../../src/bootstrap/diskless-generators.js'
import { REF_ROOT } from '../../helpers/ref-root.js'

describe('the diskless-generators asset', () => {
  it('is one generator a line, always or unless:<file>, each with a reason, none twice', async () => {
    const list = await readDisklessGenerators()
    expect(list.length).toBeGreaterThan(3)
    for (const g of list) {
      expect(g.name, g.name).toMatch(/^systemd-[a-z0-9-]+-generator$/)
      expect(g.reason.length, g.name).toBeGreaterThan(20)
      if (g.unless) expect(g.unless).toMatch(/^\/etc\/[a-z]+tab$/)
    }
    expect(new Set(list.map((g) => g.name)).size).toBe(list.length)
  })

  it('masks none of the generators a sidus boot uses: fstab, getty (the serial console), run (systemd.run=), debug (systemd.mask=, .wants=), the NFS client\'s', async () => {
    const names = (await readDisklessGenerators()).map((g) => g.name)
    for (const keep of ['systemd-fstab-generator', 'systemd-getty-generator', 'systemd-run-generator', 'systemd-debug-generator', 'rpc-pipefs-generator', 'systemd-rc-local-generator', 'systemd-sysv-generator']) {
      expect(names).not.toContain(keep)
    }
  })

  it('names generators of a real bookworm root', async (ctx) => {
    if (!existsSync(`${REF_ROOT}/usr/lib/systemd/system-generators`)) ctx.skip()
    const missing = (await readDisklessGenerators()).filter((g) => !existsSync(`${REF_ROOT}/usr/lib/systemd/system-generators/${g.name}`))
    expect(missing).toEqual([])
  })

  it('parses its lines and refuses a line without always/unless', () => {
    expect(parseDisklessGenerators('# c\n\nsystemd-a-generator always why not\nsystemd-b-generator unless:/etc/btab only with entries\n')).toEqual([
      { name: 'systemd-a-generator', unless: undefined, reason: 'why not' },
      { name: 'systemd-b-generator', unless: '/etc/btab', reason: 'only with entries' },
    ])
    expect(() => parseDisklessGenerators('systemd-a-generator sometimes why\n')).toThrow(/always or unless/)
  })

  it('a config file lists something when a line is neither blank nor a comment', () => {
    expect(listsSomething(undefined)).toBe(false)
    expect(listsSomething('# <target name> <source device> <key file> <options>\n\n')).toBe(false)
    expect(listsSomething('# x\ncrypt1 UUID=1234 none luks\n')).toBe(true)
  })
})
