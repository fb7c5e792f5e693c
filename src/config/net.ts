/** Small IPv4 helpers for config validation and renderers (pure). */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim())
  if (!m) return undefined
  const octets = m.slice(1).map(Number)
  if (octets.some((o) => o > 255)) return undefined
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0
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
