import { describe, expect, test } from 'vitest'
import { defaultConfig, type SidusConfig } from '../../src/config/schema.js'
import { parseConfig } from '../../src/config/load.js'
import { unifiedDiff } from '../../src/ui/diff.js'
import { parseShowmount } from '../../src/services/doctor.js'
import { renderServeUnit } from '../../src/services/serve-unit.js'
import { exportIds, ganeshaExportPaths, parseExports, planFiles, parseProcNet, renderDnsmasq, renderExports, renderGanesha, renderIscDhcp, renderTftpdHpa, withIscInclude, type ServerModel } from '../../src/services/index.js'
import { dhcpRange } from '../../src/config/addresses.js'

function model(over: Partial<SidusConfig> = {}, masters: ServerModel['masters'] = {}): ServerModel {
  return {
    config: { ...defaultConfig(), ...over },
    instances: ['bookworm64', 'stretch32', 'trixie64'],
    masters,
  }
}
const master = (instance: string, mac: string, ip?: string) => ({ instance, mac, ip, since: '2025-01-01T00:00:00Z' })
const pxelinux = { boot: { ...defaultConfig().boot, loader: 'pxelinux' as const } }
const withMaster = (over: Partial<SidusConfig> = pxelinux) => model(over, { bookworm64: master('bookworm64', '08:00:aa:bb:cc:dd', '10.20.17.253'), trixie64: master('trixie64', '08:00:aa:bb:cc:ee') })

describe('exports', () => {
  test('parsed back: one ro line per root, exactly one rw line per root with a master address, /home squashed', () => {
    const lines = parseExports(renderExports(withMaster()))
    for (const name of ['bookworm64', 'stretch32', 'trixie64']) {
      const mine = lines.filter((l) => l.path === `/srv/nfsroot/${name}`)
      const ro = mine.filter((l) => l.options.includes('ro'))
      const rw = mine.filter((l) => l.options.includes('rw'))
      expect(ro).toHaveLength(1)
      expect(ro[0].client).toBe('10.20.17.0/24')
      expect(ro[0].options).toEqual(['ro', 'no_root_squash', 'no_subtree_check', 'async'])
      // trixie64's master has no address: no rw export for it
      expect(rw).toHaveLength(name === 'bookworm64' ? 1 : 0)
    }
    const rw = lines.find((l) => l.options.includes('rw') && l.path === '/srv/nfsroot/bookworm64')!
    expect(rw.client).toBe('10.20.17.253')
    expect(rw.options).toContain('no_root_squash')
    const home = lines.filter((l) => l.path === '/home')
    expect(home).toHaveLength(1)
    expect(home[0].options).toEqual(['rw', 'root_squash', 'no_subtree_check', 'async'])
  })

  test('no home export when nfs.home is unset; a master outside the network is refused with the fix', () => {
    const m = model()
    m.config.nfs = { ...m.config.nfs, home: undefined }
    expect(renderExports(m)).not.toContain('/home')
    const bad = model({}, { bookworm64: master('bookworm64', '08:00:aa:bb:cc:dd', '192.168.1.9') })
    expect(() => renderExports(bad)).toThrow(/192\.168\.1\.9, which is not inside server\.network 10\.20\.17\.0\/24/)
  })

  test('a roots path that cannot be written into exports is refused', () => {
    const m = model({ paths: { ...defaultConfig().paths, roots: '/srv/nfs root' } })
    expect(() => renderExports(m)).toThrow(/paths.roots/)
  })
})

describe('ganesha', () => {
  test('EXPORT blocks: RW client for the master first, RO for the network, FSAL VFS, no root squash, numeric owners', () => {
    const text = renderGanesha(withMaster(), { bindAddress: '10.213.57.1', graceless: true })
    expect(ganeshaExportPaths(text)).toEqual(['/srv/nfsroot/bookworm64', '/srv/nfsroot/stretch32', '/srv/nfsroot/trixie64', '/home'])
    const block = /EXPORT \{[^]*?Path = "\/srv\/nfsroot\/bookworm64";[^]*?\n\}/.exec(text)![0]
    expect(block).toMatch(/Pseudo = "\/srv\/nfsroot\/bookworm64";/)
    expect(block).toMatch(/Protocols = 3, 4;/)
    expect(block).toMatch(/Transports = TCP;/)
    expect(block).toMatch(/Squash = No_Root_Squash;/)
    expect(block).toMatch(/FSAL \{\s*Name = VFS;\s*\}/)
    expect(block.indexOf('Clients = 10.20.17.253;')).toBeLessThan(block.indexOf('Clients = 10.20.17.0/24;'))
    expect(block).toMatch(/Clients = 10\.20\.17\.253;\s*Access_Type = RW;/)
    expect(block).toMatch(/Clients = 10\.20\.17\.0\/24;\s*Access_Type = RO;/)
    expect(/EXPORT \{[^]*?Path = "\/home";[^]*?\n\}/.exec(text)![0]).toMatch(/Squash = Root_Squash;/)
    expect(text).toMatch(/NFSV4 \{\s*Allow_Numeric_Owners = true;\s*Only_Numeric_Owners = true;\s*Graceless = true;/)
    expect(text).toMatch(/Bind_Addr = 10\.213\.57\.1;/)
    expect(text).toMatch(/MNT_Port = 20048;/)
    expect(renderGanesha(withMaster())).not.toMatch(/Bind_Addr|Graceless/)
  })

  test('export ids are unique, and a root keeps its id when other roots come and go', () => {
    const a = exportIds(['bookworm64', 'stretch32', 'trixie64'])
    const b = exportIds(['trixie64', 'aaa', 'zzz'])
    expect(new Set(a.values()).size).toBe(3)
    expect(b.get('trixie64')).toBe(a.get('trixie64'))
    const many = exportIds(Array.from({ length: 3000 }, (_, i) => `r${i}`))
    expect(new Set(many.values()).size).toBe(3000)
    for (const id of many.values()) expect(id).toBeGreaterThanOrEqual(100)
  })

  test('kept generations: exported read-only with ids of their own, the roots\' ids unchanged; a root\'s directory named so a swap changes the config outside the exports', () => {
    const plain = renderGanesha(withMaster())
    const m = { ...withMaster(), generations: ['/srv/nfsroot/.generations/trixie64/1'], rootIds: { trixie64: '64769:1234' } }
    const text = renderGanesha(m)
    expect(ganeshaExportPaths(text)).toEqual(['/srv/nfsroot/bookworm64', '/srv/nfsroot/stretch32', '/srv/nfsroot/trixie64', '/srv/nfsroot/.generations/trixie64/1', '/home'])
    const ids = [...text.matchAll(/Export_Id = (\d+);/g)].map((x) => Number(x[1]))
    expect(new Set(ids).size).toBe(ids.length)
    expect([...plain.matchAll(/Export_Id = (\d+);/g)].map((x) => Number(x[1]))).toEqual([ids[0], ids[1], ids[2], ids[4]])
    const kept = text.split('\nEXPORT {').find((b) => b.includes('Path = "/srv/nfsroot/.generations/trixie64/1";'))!
    expect(kept).toMatch(/Clients = 10\.20\.17\.0\/24;\s*Access_Type = RO;/)
    expect(kept).not.toMatch(/Access_Type = RW/)
    // the line outside every EXPORT block: a new directory at the live path makes apply restart ganesha (a reload keeps the old one)
    expect(text.replace(/^EXPORT\s*\{[\s\S]*?^\}/gm, '')).toContain('# live root trixie64: directory 64769:1234')
  })
})

describe('dnsmasq', () => {
  test('full: range, SIDUS arch mapping by option 93, TFTP, master host, interface binding, DNS off on request', () => {
    const text = renderDnsmasq(withMaster(), { mode: 'dnsmasq', tftp: true, interface: 'br-lab', dns: false, extra: ['log-dhcp'] })
    const lines = text.split('\n')
    expect(lines).toContain('interface=br-lab')
    expect(lines).toContain('bind-interfaces')
    expect(lines).toContain('port=0')
    expect(lines).toContain('dhcp-range=10.20.17.128,10.20.17.240,255.255.255.0,12h')
    expect(lines).toContain('dhcp-match=set:efi-x86_64,option:client-arch,7')
    expect(lines).toContain('dhcp-match=set:efi-x86_64,option:client-arch,9')
    expect(lines).toContain('dhcp-match=set:efi-x86,option:client-arch,6')
    expect(lines).toContain('dhcp-boot=tag:efi-x86_64,efi64/syslinux.efi,,10.20.17.254')
    expect(lines).toContain('dhcp-boot=tag:efi-x86,efi32/syslinux.efi,,10.20.17.254')
    expect(lines).toContain('dhcp-boot=tag:!efi-x86_64,tag:!efi-x86,pxelinux.0,,10.20.17.254')
    expect(lines).toContain('enable-tftp')
    expect(lines).toContain('tftp-root=/srv/tftp')
    expect(lines).toContain('dhcp-host=08:00:aa:bb:cc:dd,10.20.17.253,bookworm64-master')
    expect(text).not.toContain('08:00:aa:bb:cc:ee') // a master without an address gets no host entry
    expect(lines).toContain('log-dhcp')
  })

  test('full without TFTP or interface keeps DNS as the admin has it', () => {
    const text = renderDnsmasq(model(), { mode: 'dnsmasq', tftp: false })
    expect(text).not.toMatch(/^(port=0|enable-tftp|interface=|tftp-root)/m)
  })

  test('proxy: no addresses, DNS off, iPXE chain by user class for BIOS and x86_64 UEFI, nothing for ARM64', () => {
    const lines = renderDnsmasq(model(pxelinux), { mode: 'proxy', tftp: true }).split('\n')
    expect(lines).toContain('dhcp-range=10.20.17.0,proxy,255.255.255.0')
    expect(lines).toContain('port=0')
    expect(lines).toContain('dhcp-userclass=set:ipxe,iPXE')
    for (const csa of ['x86PC', 'x86-64_EFI']) {
      expect(lines.filter((l) => l.startsWith(`pxe-service=tag:!ipxe,${csa},`))).toHaveLength(1)
      expect(lines).toContain(`pxe-service=tag:ipxe,${csa},"sidus",sidus.ipxe`)
    }
    expect(lines).toContain('pxe-service=tag:!ipxe,x86PC,"sidus: iPXE",undionly.kpxe')
    expect(lines.some((l) => /^dhcp-range=.*,\d+h$/.test(l))).toBe(false)
    // with another TFTP server, clients are sent to the server's address
    expect(renderDnsmasq(model(pxelinux), { mode: 'proxy', tftp: false })).toContain('pxe-service=tag:!ipxe,x86-64_EFI,"sidus: iPXE",snponly.efi,10.20.17.254')
    expect(renderDnsmasq(model(pxelinux), { mode: 'proxy', tftp: false })).toContain('pxe-service=tag:ipxe,x86-64_EFI,"sidus",sidus.ipxe,10.20.17.254')
    // Debian ships no ARM64 iPXE: an ARM64 client is not sent to a file publish never writes
    expect(lines.some((l) => !l.startsWith('#') && l.includes('ARM64'))).toBe(false)
  })

  test('ipxe-http (the default): firmware gets iPXE by TFTP, iPXE (user class) the HTTP script; ia32 EFI keeps syslinux', () => {
    const lines = renderDnsmasq(withMaster({}), { mode: 'dnsmasq', tftp: true }).split('\n')
    expect(lines).toContain('dhcp-userclass=set:ipxe,iPXE')
    expect(lines).toContain('dhcp-boot=tag:ipxe,http://10.20.17.254:8470/ipxe/boot.ipxe')
    expect(lines).toContain('dhcp-boot=tag:!ipxe,tag:efi-x86_64,snponly.efi,,10.20.17.254')
    expect(lines).toContain('dhcp-boot=tag:!ipxe,tag:efi-x86,efi32/syslinux.efi,,10.20.17.254')
    expect(lines).toContain('dhcp-boot=tag:!ipxe,tag:!efi-x86_64,tag:!efi-x86,undionly.kpxe,,10.20.17.254')
    expect(lines.filter((l) => l.startsWith('dhcp-boot='))).toHaveLength(4)
    // the only DHCP server here: iPXE skips its wait for ProxyDHCP offers (no-pxedhcp)
    expect(lines).toContain('dhcp-option=tag:ipxe,encap:175,176,1b')
    // http.port moves the URL
    const port: SidusConfig = { ...defaultConfig(), http: { port: 8080 } }
    expect(renderDnsmasq(model(port), { mode: 'dnsmasq', tftp: true })).toContain('dhcp-boot=tag:ipxe,http://10.20.17.254:8080/ipxe/boot.ipxe\n')
    const bad: SidusConfig = { ...defaultConfig(), http: { port: 70000 } }
    expect(() => renderDnsmasq(model(bad), { mode: 'dnsmasq', tftp: true })).toThrow(/http.port 70000 is not a TCP port/)
    // the pxelinux loader has none of it
    expect(renderDnsmasq(withMaster(), { mode: 'dnsmasq', tftp: true })).not.toMatch(/ipxe/i)
  })

  test('ipxe-http proxy: iPXE gets the HTTP URL (no TFTP server), firmware still gets iPXE by TFTP', () => {
    for (const tftp of [true, false]) {
      const lines = renderDnsmasq(model(), { mode: 'proxy', tftp }).split('\n')
      for (const csa of ['x86PC', 'x86-64_EFI']) expect(lines).toContain(`pxe-service=tag:ipxe,${csa},"sidus",http://10.20.17.254:8470/ipxe/boot.ipxe`)
      expect(lines).toContain(`pxe-service=tag:!ipxe,x86PC,"sidus: iPXE",undionly.kpxe${tftp ? '' : ',10.20.17.254'}`)
    }
  })

  test('a bad interface name or a multi-line extra is refused', () => {
    expect(() => renderDnsmasq(model(), { mode: 'dnsmasq', tftp: true, interface: 'eth0\nport=53' })).toThrow(/not a network interface name/)
    expect(() => renderDnsmasq(model(), { mode: 'dnsmasq', tftp: true, extra: ['a\nb'] })).toThrow(/spans several lines/)
  })
})

describe('ISC dhcpd', () => {
  test('arch mapping, next-server, subnet with range and lease in seconds, master host', () => {
    const text = renderIscDhcp(withMaster())
    expect(text).toContain('option architecture-type code 93 = unsigned integer 16;')
    expect(text).toContain('subnet 10.20.17.0 netmask 255.255.255.0 {')
    expect(text).toContain('range 10.20.17.128 10.20.17.240;')
    expect(text).toContain('default-lease-time 43200;')
    expect(text).toContain('next-server 10.20.17.254;')
    expect(text).toMatch(/architecture-type = 00:00 \{\s*filename "pxelinux.0";/)
    expect(text).toMatch(/architecture-type = 00:07 \{\s*filename "efi64\/syslinux.efi";/)
    expect(text).toMatch(/architecture-type = 00:09 \{\s*filename "efi64\/syslinux.efi";/)
    expect(text).toMatch(/architecture-type = 00:06 \{\s*filename "efi32\/syslinux.efi";/)
    expect(text).toMatch(/host sidus-bookworm64-master \{\s*hardware ethernet 08:00:aa:bb:cc:dd;\s*fixed-address 10.20.17.253;/)
  })

  test('ipxe-http: the user class iPXE gets the HTTP URL first, firmware gets iPXE per architecture', () => {
    const text = renderIscDhcp(withMaster({}))
    expect(text).toMatch(/\tif exists user-class and option user-class = "iPXE" \{\s*filename "http:\/\/10.20.17.254:8470\/ipxe\/boot.ipxe";\s*\} elsif option architecture-type = 00:00 \{\s*filename "undionly.kpxe";/)
    expect(text).toMatch(/architecture-type = 00:07 \{\s*filename "snponly.efi";/)
    expect(text).toMatch(/architecture-type = 00:09 \{\s*filename "snponly.efi";/)
    expect(text).toMatch(/architecture-type = 00:06 \{\s*filename "efi32\/syslinux.efi";/)
    expect(text).toMatch(/\} else \{\s*filename "undionly.kpxe";/)
    expect(renderIscDhcp(withMaster())).not.toContain('user-class')
  })

  test('the include line is added once', () => {
    const once = withIscInclude('ddns-update-style none;')
    expect(once).toBe('ddns-update-style none;\n# added by sidus: the boot network\ninclude "/etc/dhcp/dhcpd.sidus.conf";\n')
    expect(withIscInclude(once)).toBe(once)
  })

  test('explicit range and leases in other units', () => {
    const c = parseConfig('dhcp:\n  range: {start: 10.20.17.10, end: 10.20.17.20}\n  lease: 2d\n')
    expect(dhcpRange(c)).toEqual({ start: '10.20.17.10', end: '10.20.17.20' })
    expect(renderIscDhcp({ config: c, instances: [], masters: {} })).toContain('max-lease-time 172800;')
    expect(() => renderIscDhcp({ config: { ...c, dhcp: { ...c.dhcp, lease: 'forever' } }, instances: [], masters: {} })).toThrow(/dhcp.lease/)
  })
})

describe('tftpd-hpa defaults', () => {
  test('directory from config, --secure kept or added, other settings kept, values shell-quoted', () => {
    const m = model({ paths: { ...defaultConfig().paths, tftp: '/srv/boot' } })
    const text = renderTftpdHpa(m, '# comment\nTFTP_USERNAME="tftp"\nTFTP_DIRECTORY="/srv/tftp"\nTFTP_ADDRESS="0.0.0.0:69"\nTFTP_OPTIONS="-v"\nRUN_DAEMON="yes"\n')
    expect(text).toContain('TFTP_DIRECTORY="/srv/boot"\n')
    expect(text).toContain('TFTP_OPTIONS="--secure -v"\n')
    expect(text).toContain('TFTP_ADDRESS="0.0.0.0:69"\n')
    expect(text).toContain('RUN_DAEMON="yes"\n')
    expect(renderTftpdHpa(m)).toContain('TFTP_OPTIONS="--secure"\n')
  })
})

describe('the set of managed files follows the config', () => {
  test('kernel NFS + dnsmasq; ganesha + ISC + dnsmasq TFTP + tftpd-hpa', () => {
    expect(planFiles(model(pxelinux)).map((f) => f.path)).toEqual(['/etc/exports.d/sidus.exports', '/etc/dnsmasq.d/sidus.conf', '/etc/sidus/hosts'])
    // ipxe-http (the default) adds sidus serve's unit
    expect(planFiles(model()).map((f) => f.path)).toEqual(['/etc/exports.d/sidus.exports', '/etc/dnsmasq.d/sidus.conf', '/etc/sidus/hosts', '/etc/systemd/system/sidus-serve.service'])
    const c = model({ nfs: { ...defaultConfig().nfs, server: 'ganesha' }, dhcp: { mode: 'isc', lease: '12h' } })
    expect(planFiles(c, {}).find((f) => f.path.endsWith('sidus-serve.service'))?.service).toBe('sidus-serve')
    const files = planFiles(c, { '/etc/dhcp/dhcpd.conf': 'authoritative;\n' })
    expect(files.map((f) => f.path)).toEqual(['/etc/ganesha/ganesha.conf', '/etc/dhcp/dhcpd.sidus.conf', '/etc/dhcp/dhcpd.conf', '/etc/dnsmasq.d/sidus.conf', '/etc/sidus/hosts', '/etc/systemd/system/sidus-serve.service'])
    const tftpOnly = files.find((f) => f.path === '/etc/dnsmasq.d/sidus.conf')!.content
    expect(tftpOnly).toContain('enable-tftp')
    expect(tftpOnly).not.toContain('dhcp-range')
    const t = model({ tftp: { server: 'tftpd-hpa' } })
    expect(planFiles(t).map((f) => f.path)).toContain('/etc/default/tftpd-hpa')
    expect(planFiles(t).find((f) => f.path === '/etc/dnsmasq.d/sidus.conf')!.content).not.toContain('enable-tftp')
  })
})

describe('small parsers', () => {
  test('line diff', () => {
    // the one --dry-run format, as publish shows menus
    expect(unifiedDiff('etc/exports', 'a\nb\nc\n', 'a\nB\nc\nd\n')).toBe('--- a/etc/exports\n+++ b/etc/exports\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n')
    expect(unifiedDiff('etc/exports', undefined, 'x\n')).toBe('--- /dev/null\n+++ b/etc/exports\n@@ -0,0 +1,1 @@\n+x\n')
  })

  test('/proc/net sockets: listening TCP, bound UDP, v4-mapped v6', () => {
    const tcp = '  sl  local_address rem_address   st tx_queue rx_queue\n   0: 0100007F:0801 00000000:0000 0A 00000000:00000000\n   1: 0100007F:0016 0200007F:C000 01 00000000:00000000\n'
    expect(parseProcNet(tcp, 'tcp')).toEqual([
      { proto: 'tcp', address: '127.0.0.1', port: 2049, listening: true },
      { proto: 'tcp', address: '127.0.0.1', port: 22, listening: false },
    ])
    const udp6 = '  sl  local_address                         remote_address                        st\n   0: 0000000000000000FFFF0000013AD50A:0045 00000000000000000000000000000000:0000 07\n'
    expect(parseProcNet(udp6, 'udp')).toEqual([{ proto: 'udp', address: '10.213.58.1', port: 69, listening: true }])
  })

  test('showmount output', () => {
    const m = parseShowmount('/srv/nfsroot/a 10.1.1.253/32,10.1.1.0/24\n/home       10.1.1.0/24\n')
    expect(m.get('/srv/nfsroot/a')).toEqual(['10.1.1.253/32', '10.1.1.0/24'])
    expect(m.get('/home')).toEqual(['10.1.1.0/24'])
  })
})

describe('the sidus serve unit', () => {
  test('runs this sidus serve on server.address:http.port with the config file, restarts on failure, after the network', () => {
    const config = { ...parseConfig('server: {address: 10.20.17.1, network: 10.20.17.0/24}\n', '/etc/sidus/sidus.yaml'), http: { port: 8081 } }
    const text = renderServeUnit(config, { node: '/usr/bin/node', sidus: '/opt/sidus/bin/run.js' })
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^# Managed by sidus/)
    expect(lines).toContain('ExecStart=/usr/bin/node /opt/sidus/bin/run.js serve --address 10.20.17.1 --port 8081')
    expect(lines).toContain('Environment=SIDUS_CONFIG=/etc/sidus/sidus.yaml')
    expect(lines).toContain('Restart=on-failure')
    expect(lines).toContain('After=network-online.target')
    expect(lines).toContain('Wants=network-online.target')
    expect(lines).toContain('WantedBy=multi-user.target')
    // built-in defaults: no config file to name, port 8470
    const plain = renderServeUnit(defaultConfig(), { node: '/usr/bin/node', sidus: '/opt/sidus/bin/run.js' })
    expect(plain).not.toContain('SIDUS_CONFIG')
    expect(plain).toContain('serve --address 10.20.17.254 --port 8470\n')
    // a path that would split the command line is refused
    expect(() => renderServeUnit(defaultConfig(), { node: '/usr/bin/node', sidus: '/opt/my sidus/bin/run.js' })).toThrow(/the sidus program/)
    // the real program: this package's bin/run.js
    expect(renderServeUnit(defaultConfig())).toMatch(/^ExecStart=\S+ \S+\/bin\/run\.js serve /m)
  })
})

describe('http.static nginx', () => {
  test('nginx\'s site joins the files, sidus serve moves to loopback behind it; a bad serve_port is refused', () => {
    const nginx: SidusConfig = { ...defaultConfig(), http: { port: 8470, static: 'nginx' } }
    const files = planFiles(model(nginx))
    expect(files.map((f) => f.path)).toEqual(['/etc/exports.d/sidus.exports', '/etc/dnsmasq.d/sidus.conf', '/etc/sidus/hosts', '/etc/systemd/system/sidus-serve.service', '/etc/nginx/conf.d/sidus.conf'])
    const site = files.at(-1)!.content
    expect(site).toContain('listen 10.20.17.254:8470;')
    expect(site).toContain('root /srv/tftp;')
    // serve_port defaults to http.port + 1
    expect(site).toContain('proxy_pass http://127.0.0.1:8471;')
    expect(renderServeUnit(nginx, { node: '/usr/bin/node', sidus: '/opt/sidus/bin/run.js' })).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/sidus\/bin\/run\.js serve --address 127\.0\.0\.1 --port 8471$/m)
    // DHCP still hands iPXE http.port on server.address: nginx answers there
    expect(files[1].content).toContain('dhcp-boot=tag:ipxe,http://10.20.17.254:8470/ipxe/boot.ipxe')
    expect(() => planFiles(model({ ...defaultConfig(), http: { port: 8470, static: 'nginx', serve_port: 8470 } }))).toThrow(/http.serve_port 8470 is not a TCP port other than http.port 8470/)
    // the default (serve) and pxelinux render no site
    expect(planFiles(model()).map((f) => f.path)).not.toContain('/etc/nginx/conf.d/sidus.conf')
    expect(planFiles(model({ ...nginx, boot: { ...defaultConfig().boot, loader: 'pxelinux' } })).map((f) => f.path)).not.toContain('/etc/nginx/conf.d/sidus.conf')
  })

  test('the config file says it: http.static serve or nginx, nothing else', () => {
    expect(parseConfig('http: {static: nginx, serve_port: 9000}\n').http).toEqual({ port: 8470, static: 'nginx', serve_port: 9000 })
    expect(() => parseConfig('http: {static: apache}\n', 's.yaml')).toThrow(/s\.yaml:1.*static/)
  })
})
