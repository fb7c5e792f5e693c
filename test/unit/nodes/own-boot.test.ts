import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../../src/config/schema.js'
import type { ResolvedNode } from '../../../src/inventory/model.js'
import { defaultLabel, type MenuInstance } from '../../../src/publish/menus.js'
import { nodeOwnBoot } from '../../../src/publish/plan.js'

const k = (name: string) => [{ kver: '6.1.0-50-amd64', kernel: `vmlinuz-6.1.0-50-amd64@${name}`, initrd: `initrd.img-6.1.0-50-amd64@${name}` }]
const instances: MenuInstance[] = [{ name: 'bookworm64', kernels: k('bookworm64') }, { name: 'old-box', kernels: [] }, { name: 'trixie64', kernels: k('trixie64') }]
const node = (over: Partial<ResolvedNode> = {}): ResolvedNode => ({ name: 'n1', mac: '52:54:00:00:00:01', from: {}, ...over })

describe('what the menu boots, and which nodes need files of their own', () => {
  it('the menu defaults to default_instance when it has a kernel, else to the first instance that has one', () => {
    const config = defaultConfig()
    expect(defaultLabel({ config, instances })).toBe('bookworm64-overlay')
    expect(defaultLabel({ config: { ...config, default_instance: 'trixie64' }, instances })).toBe('trixie64-overlay')
    expect(defaultLabel({ config: { ...config, default_instance: 'old-box' }, instances })).toBe('bookworm64-overlay')
    expect(defaultLabel({ config, instances: [] })).toBe('local')
  })

  it('a node that boots what the menu boots gets none; another instance, mode, arguments or tmpfs size does', () => {
    const config = defaultConfig()
    expect(nodeOwnBoot(config, instances, node())).toBeUndefined()
    expect(nodeOwnBoot(config, instances, node({ instance: 'bookworm64', mode: 'overlay' }))).toBeUndefined()
    expect(nodeOwnBoot(config, instances, node({ instance: 'trixie64' }))).toMatchObject({ instance: 'trixie64', mode: 'overlay' })
    expect(nodeOwnBoot(config, instances, node({ mode: 'aufs' }))).toMatchObject({ instance: 'bookworm64', mode: 'aufs' })
    expect(nodeOwnBoot(config, instances, node({ extra_args: 'quiet' }))).toMatchObject({ instance: 'bookworm64', extra_args: 'quiet' })
    expect(nodeOwnBoot(config, instances, node({ tmpfs_size: '1G' }))).toMatchObject({ tmpfs_size: '1G' })
    // with trixie64 the menu's default, the same node on trixie64 needs no file, one on bookworm64 does
    const t = { ...config, default_instance: 'trixie64' }
    expect(nodeOwnBoot(t, instances, node({ instance: 'trixie64' }))).toBeUndefined()
    expect(nodeOwnBoot(t, instances, node({ instance: 'bookworm64' }))).toMatchObject({ instance: 'bookworm64' })
  })
})
