/** Small IPv4 helpers for config validation and renderers (pure). */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim())
  if (!m) return undefined
  const octets = m.slice(1).map(Number)
  if (octets.some((o) => o > 255)) return undefined
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0
}

/**
 * The canonical form of an address, or why it has none. Surrounding blanks are dropped (shell
 * quoting noise); an octet with a leading zero is refused: inet_aton reads 010 as 8, dnsmasq
 * and dhcpd as 10, so exports and DHCP would disagree about the machine.
 */
export function canonicalIpv4(text: string): { ip: string } | { problem: string } {
  const t = text.trim()
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t)
  if (!m) return { problem: 'not an IPv4 address' }
  if (m.slice(1).some((o) => o.length > 1 && o.startsWith('0'))) return { problem: 'an octet has a leading zero, which programs read differently (octal or decimal)' }
  if (m.slice(1).some((o) => Number(o) > 255)) return { problem: 'an octet is above 255' }
  return { ip: m.slice(1).map(Number).join('.') }
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')
}

export interface Cidr { network: number; prefix: number; mask: number }

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim())
  if (!m) return undefined
  const addr = parseIpv4(m[1])
  const prefix = Number(m[2])
  if (addr === undefined || prefix > 32) return undefined
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  return { network: (addr & mask) >>> 0, prefix, mask }
}

export function inCidr(addr: number, cidr: Cidr): boolean {
  return ((addr & cidr.mask) >>> 0) === cidr.network
}

export function netmaskOf(cidr: Cidr): string {
  return formatIpv4(cidr.mask)
}

/** The n-th host address of a network (1 = first usable). */
export function hostAddress(cidr: Cidr, n: number): string {
  return formatIpv4((cidr.network + n) >>> 0)
}

export function broadcastOf(cidr: Cidr): string {
  return formatIpv4((cidr.network | (~cidr.mask >>> 0)) >>> 0)
}
