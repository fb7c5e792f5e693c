import { readFile } from 'node:fs/promises'

export interface Socket { proto: 'tcp' | 'udp'; address: string; port: number; listening: boolean }

/**
 * Parse /proc/net/{tcp,udp}[6] (this network namespace's sockets). TCP listens in state
 * 0A; a bound UDP socket (state 07) is what a UDP server waits on.
 */
export function parseProcNet(text: string, proto: 'tcp' | 'udp'): Socket[] {
  const out: Socket[] = []
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 4) continue
    const m = /^([0-9A-F]+):([0-9A-F]{4})$/i.exec(f[1])
    if (!m) continue
    const state = f[3].toUpperCase()
    out.push({ proto, address: hexAddress(m[1]), port: Number.parseInt(m[2], 16), listening: proto === 'tcp' ? state === '0A' : state === '07' })
  }
  return out
}

/** /proc/net addresses are in host byte order words: 0100007F = 127.0.0.1. */
function hexAddress(hex: string): string {
  if (hex.length === 8) return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.')
  if (/^0{16}FFFF0000/i.test(hex)) return hexAddress(hex.slice(24))
  return /^0+$/.test(hex) ? '::' : `ipv6:${hex.toLowerCase()}`
}

/** The sockets of this network namespace that wait for clients. */
export async function listeningSockets(procNet = '/proc/net'): Promise<Socket[]> {
  const out: Socket[] = []
  for (const [file, proto] of [['tcp', 'tcp'], ['tcp6', 'tcp'], ['udp', 'udp'], ['udp6', 'udp']] as const) {
    const text = await readFile(`${procNet}/${file}`, 'utf8').catch(() => '')
    out.push(...parseProcNet(text, proto).filter((s) => s.listening))
  }
  return out
}
