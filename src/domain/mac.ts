import { UsageError } from '../errors.js'

/** The forms a MAC is accepted in: colons, dashes, Cisco dots, bare hex. */
const FORMS = [
  /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i,
  /^[0-9a-f]{12}$/i,
]
const EXAMPLE = 'aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff'
const WHICH = "give the MAC of the machine's network card (ip link, or the label on the machine)"

/** The dashed form's body (`aa-bb-cc-dd-ee-ff`), for patterns of per-MAC file names. */
export const DASHED_MAC_BODY = '(?:[0-9a-f]{2}-){5}[0-9a-f]{2}'

/**
 * Parse a MAC address to its canonical form (lower case, colons), refusing what cannot
 * be one machine's address: malformed, multicast (first octet odd), broadcast, all zero.
 */
export function parseMac(input: string): string {
  const text = input.trim()
  if (!FORMS.some((f) => f.test(text))) {
    const hex = text.replace(/[:.-]/g, '')
    let why: string
    if (/[^0-9a-f]/i.test(hex)) why = `${JSON.stringify(input)} has characters that are not hex digits`
    else if (hex.length !== 12) why = `${JSON.stringify(input)} has ${hex.length} hex digits; a MAC address has 12`
    else why = `${JSON.stringify(input)} mixes or misplaces separators`
    throw new UsageError(`invalid MAC address: ${why}`, { suggestion: `write it as ${EXAMPLE}` })
  }
  const hex = text.replace(/[:.-]/g, '').toLowerCase()
  const mac = hex.match(/../g)!.join(':')
  if (hex === 'ffffffffffff') {
    throw new UsageError(`invalid MAC address: ${mac} is the broadcast address, not a machine`, { suggestion: WHICH })
  }
  if (hex === '000000000000') {
    throw new UsageError(`invalid MAC address: ${mac} is all zeros, not a machine`, { suggestion: WHICH })
  }
  if (Number.parseInt(hex.slice(0, 2), 16) & 1) {
    throw new UsageError(`invalid MAC address: ${mac} is a multicast address (its first octet ${hex.slice(0, 2)} is odd)`, {
      suggestion: 'a network card\'s own address has an even first octet; check for a typo',
    })
  }
  return mac
}

/** canonical aa:bb:cc:dd:ee:ff → aa-bb-cc-dd-ee-ff (pxelinux's per-MAC file names, after the 01- ARP type) */
export const macDashed = (mac: string): string => mac.toLowerCase().replace(/:/g, '-')

/** canonical aa:bb:cc:dd:ee:ff → aabbccddeeff (in directory names) */
export const macBare = (mac: string): string => mac.toLowerCase().replace(/:/g, '')
