/**
 * What a session script reports on its status file (assets/chroot/session.sh), one line each:
 * `pid N`, `waiting HOLDER`, `busy HOLDER`, `ready`, `started`, `error MESSAGE`.
 */
export interface SessionStatus {
  /** the script's pid as the server sees it: where sidus forwards signals */
  pid?: number
  waiting?: string
  busy?: string
  ready: boolean
  started: boolean
  error?: string
}

export function parseStatus(text: string): SessionStatus {
  const out: SessionStatus = { ready: false, started: false }
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ')
    const word = space < 0 ? line : line.slice(0, space)
    const rest = space < 0 ? '' : line.slice(space + 1)
    if (word === 'pid' && /^\d+$/.test(rest)) out.pid = Number(rest)
    else if (word === 'waiting') out.waiting = rest
    else if (word === 'busy') out.busy = rest
    else if (word === 'ready') out.ready = true
    else if (word === 'started') out.started = true
    else if (word === 'error') out.error = rest
  }
  return out
}
