import { describe, expect, it } from 'vitest'
import { narrowNicDrivers } from '../../../src/dracut/nic-drivers.js'

// a modules.dep in the kernel's own form (paths relative to /lib/modules/<kver>)
const DEP = `kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko:
kernel/drivers/net/ethernet/intel/igb/igb.ko: kernel/drivers/dca/dca.ko kernel/drivers/i2c/algos/i2c-algo-bit.ko
kernel/drivers/net/ethernet/intel/ixgbe/ixgbe.ko: kernel/drivers/net/mdio.ko kernel/drivers/dca/dca.ko
kernel/drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko: kernel/net/tls/tls.ko kernel/drivers/net/ethernet/mellanox/mlxfw/mlxfw.ko
kernel/drivers/net/ethernet/mellanox/mlxfw/mlxfw.ko:
kernel/drivers/net/mdio.ko:
kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/drivers/net/phy/realtek.ko: kernel/drivers/net/phy/libphy.ko
kernel/drivers/net/phy/libphy.ko:
kernel/drivers/net/bonding/bonding.ko: kernel/net/tls/tls.ko
kernel/drivers/net/thunderbolt-net.ko: kernel/drivers/thunderbolt/thunderbolt.ko
kernel/fs/nfs/nfs.ko: kernel/net/sunrpc/sunrpc.ko
kernel/net/sunrpc/sunrpc.ko:
`
const BUILTIN = 'kernel/drivers/net/loopback.ko\nkernel/drivers/net/ethernet/realtek/8139too.ko\n'

describe('initrd.nic_drivers narrowing', () => {
  it('omits every other driver under drivers/net, keeping what the asked ones depend on', () => {
    const { omit, unknown } = narrowNicDrivers(DEP, BUILTIN, ['igb', 'virtio_net'])
    expect(unknown).toEqual([])
    expect(omit).toEqual(['e1000e', 'ixgbe', 'mdio', 'mlx5_core', 'mlxfw', 'thunderbolt_net'])
  })

  it('keeps a dependency under drivers/net that an asked driver needs (mdio for ixgbe, mlxfw for mlx5_core)', () => {
    expect(narrowNicDrivers(DEP, BUILTIN, ['ixgbe', 'mlx5_core']).omit).toEqual(['e1000e', 'igb', 'net_failover', 'thunderbolt_net', 'virtio_net'])
  })

  it('never omits PHY drivers or bonding (loaded by device id, or asked for on the command line)', () => {
    const { omit } = narrowNicDrivers(DEP, BUILTIN, ['e1000e'])
    expect(omit).not.toContain('realtek')
    expect(omit).not.toContain('libphy')
    expect(omit).not.toContain('bonding')
  })

  it('names what the kernel has no network driver for; a built-in NIC driver is known', () => {
    expect(narrowNicDrivers(DEP, BUILTIN, ['e1000', '8139too', 'nfs']).unknown).toEqual(['e1000', 'nfs'])
  })
})
