import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { dhclientScripts, LEASE_REQUIREMENT, missingParts, parseLsinitrd, splitGaps } from '../../../src/dracut/contents.js'

// trimmed output of the root's own lsinitrd: our initrd, and the stock generic one of the same root
const here = path.dirname(fileURLToPath(import.meta.url))
const sidus = parseLsinitrd(readFileSync(path.join(here, 'lsinitrd-sidus.txt'), 'utf8'))
const stock = parseLsinitrd(readFileSync(path.join(here, 'lsinitrd-stock.txt'), 'utf8'))
const LEASE_CONF = 'send dhcp-client-identifier = hardware;\n\n# sidus\nsupersede dhcp-lease-time 4294967295;\n'

describe('lsinitrd listing', () => {
  it('reads the dracut modules and the paths (symlinks by their own name)', () => {
    expect(sidus.modules).toContain('sidus')
    expect(sidus.modules).toContain('network-legacy')
    expect(sidus.modules).not.toContain('systemd-networkd')
    expect(sidus.paths).toContain('usr/lib/dracut/hooks/pre-pivot/10-sidus-mount.sh')
    expect(sidus.paths).toContain('usr/sbin/mount.nfs4')
    expect(sidus.paths).not.toContain('usr/sbin/mount.nfs4 -> mount.nfs')
    expect(stock.modules).toContain('systemd-networkd')
  })

  it('our initrd with the lease line lacks nothing', () => {
    expect(missingParts(sidus, LEASE_CONF)).toEqual([])
  })

  it('the stock initrd (trimmed listing) lacks dhclient, our hook, the shell-init boot path and our lease line (it has overlay.ko and the NFS client)', () => {
    expect(missingParts(stock, '')).toEqual([
      'dhclient', 'the sidus hook (pre-pivot/*-sidus-mount.sh)', 'nfsv3.ko', 'sunrpc.ko', 'a network driver (kernel/drivers/net/…)',
      'ip', 'ifup (network-legacy)', 'nfsroot (95nfs)', 'switch_root', LEASE_REQUIREMENT,
    ])
  })

  it('a dhclient.conf without the supersede line is named', () => {
    expect(missingParts(sidus, 'supersede dhcp-lease-time 600;\n')).toEqual([LEASE_REQUIREMENT])
    expect(missingParts(sidus, '# supersede dhcp-lease-time 4294967295;\n')).toEqual([LEASE_REQUIREMENT])
  })

  it('a script dhclient.conf names must be in the image (else dhclient leases and configures nothing); a commented one does not count', () => {
    const conf = `${LEASE_CONF}script "/sbin/sidus-dhclient-script";\n`
    expect(dhclientScripts(conf)).toEqual(['/sbin/sidus-dhclient-script'])
    expect(dhclientScripts(`${LEASE_CONF}# script "/sbin/x";\n`)).toEqual([])
    expect(missingParts(sidus, conf)).toEqual(['/sbin/sidus-dhclient-script (the script /etc/dhclient.conf names)'])
    // usr-merged image: /sbin/x is listed as usr/sbin/x; an image of an older layout lists sbin/x
    expect(missingParts({ ...sidus, paths: [...sidus.paths, 'usr/sbin/sidus-dhclient-script'] }, conf)).toEqual([])
    expect(missingParts({ ...sidus, paths: [...sidus.paths, 'sbin/sidus-dhclient-script'] }, conf)).toEqual([])
    // /bin/x of a usr-merged image is usr/bin/x, not usr/sbin/x
    const inBin = `${LEASE_CONF}script "/bin/x";\n`
    expect(missingParts({ ...sidus, paths: [...sidus.paths, 'usr/bin/x'] }, inBin)).toEqual([])
    expect(missingParts({ ...sidus, paths: [...sidus.paths, 'usr/sbin/x'] }, inBin)).toEqual(['/bin/x (the script /etc/dhclient.conf names)'])
  })

  it('kernel modules: missing ones are named, built-in ones need no .ko', () => {
    const without = { ...sidus, paths: sidus.paths.filter((p) => !/overlay\.ko|\/nfs\.ko/.test(p)) }
    expect(missingParts(without, LEASE_CONF)).toEqual(['overlay.ko', 'nfs.ko'])
    expect(missingParts(without, LEASE_CONF, ['kernel/fs/overlayfs/overlay.ko'])).toEqual(['nfs.ko'])
  })

  it('nfsv4.ko is asked for only when the root is mounted with NFSv4 (built in counts)', () => {
    const without = { ...sidus, paths: sidus.paths.filter((p) => !/\/nfsv4\.ko/.test(p)) }
    expect(missingParts(without, LEASE_CONF)).toEqual([])
    expect(missingParts(without, LEASE_CONF, [], [], true)).toEqual(['nfsv4.ko (nfs.options does not pin vers=3)'])
    expect(missingParts(without, LEASE_CONF, ['kernel/fs/nfs/nfsv4.ko'], [], true)).toEqual([])
    const withV4 = { ...without, paths: [...without.paths, 'usr/lib/modules/6.12.57+deb13-amd64/kernel/fs/nfs/nfsv4.ko.xz'] }
    expect(missingParts(withV4, LEASE_CONF, [], [], true)).toEqual([])
  })

  it('initrd.nic_drivers: each named driver must be in the image or built in', () => {
    expect(missingParts(sidus, LEASE_CONF, [], ['e1000e', 'virtio_net'])).toEqual([])
    expect(missingParts(sidus, LEASE_CONF, [], ['e1000e', 'igb', 'mlx5_core'])).toEqual(['igb.ko (initrd.nic_drivers)', 'mlx5_core.ko (initrd.nic_drivers)'])
    expect(missingParts(sidus, LEASE_CONF, ['kernel/drivers/net/ethernet/intel/igb/igb.ko'], ['igb'])).toEqual([])
  })

  it('switch_root, ip and a NIC driver are required: dracut shell init hands over with switch_root', () => {
    const without = { ...sidus, paths: sidus.paths.filter((p) => !/switch_root$|drivers\/net\//.test(p)) }
    expect(missingParts(without, LEASE_CONF)).toEqual(['a network driver (kernel/drivers/net/…)', 'switch_root'])
  })
})

describe('splitGaps: base + all must hold the whole image', () => {
  const listing = (paths: string[]) => ({ paths, modules: [] })
  it('names each path of the whole image that neither holds, and nothing when they cover it', () => {
    const whole = listing(['usr/bin/ip', 'usr/lib/modules/6.1.0-50-amd64/kernel/drivers/net/virtio_net.ko', 'usr/lib/modules/6.1.0-50-amd64/kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko'])
    const base = listing(['usr/bin/ip', 'usr/lib/modules/6.1.0-50-amd64/kernel/drivers/net/virtio_net.ko'])
    expect(splitGaps(whole, base, listing(['usr/lib/modules/6.1.0-50-amd64/kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko']))).toEqual([])
    expect(splitGaps(whole, base, listing([]))).toEqual(['usr/lib/modules/6.1.0-50-amd64/kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko'])
    expect(splitGaps(whole, listing([]), listing([]))).toHaveLength(3)
  })
})
