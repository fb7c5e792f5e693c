import { checkInstanceName } from '../domain/instance-name.js'
import { UsageError } from '../errors.js'

export interface Target { suite: string; arch: string }

/**
 * `<suite>64` means amd64, `<suite>32` means i386; --suite/--arch override.
 * A name that says neither needs --suite (and defaults to amd64). Whether Debian knows
 * the suite is Debian's calendar's to say (bootstrap/calendar).
 */
export function deriveTarget(name: string, flags: { suite?: string; arch?: string } = {}): Target {
  checkInstanceName(name)
  const m = /^([a-z]+)(64|32)$/.exec(name)
  const suite = flags.suite ?? m?.[1]
  const arch = flags.arch ?? (m ? (m[2] === '64' ? 'amd64' : 'i386') : 'amd64')
  if (!suite) {
    throw new UsageError(`cannot tell the Debian suite from the name ${JSON.stringify(name)}`, {
      suggestion: `name it <suite>64 or <suite>32 (e.g. bookworm64), or pass --suite bookworm`,
    })
  }
  if (!/^[a-z][a-z0-9.-]*$/.test(suite)) throw new UsageError(`invalid suite ${JSON.stringify(suite)}`)
  if (!/^(amd64|i386|arm64|armhf|armel|ppc64el|s390x|riscv64|mips64el)$/.test(arch)) {
    throw new UsageError(`unknown architecture ${JSON.stringify(arch)}`, { suggestion: 'use amd64, i386, arm64, …' })
  }
  return { suite, arch }
}
