import { UsageError } from '../errors.js'

export const SESSION_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** The prompt of `sidus shell`: names the instance (Debian's bashrc shows $debian_chroot too). */
export function sessionPrompt(name: string): string {
  return `(sidus:${name}) \\u@\\h:\\w\\$ `
}

/**
 * The whole environment a command gets inside a root: nothing of the server's but TERM,
 * a sane PATH and HOME, apt without questions, then the caller's additions.
 */
export function sessionEnv(name: string, opts: { term?: string; shell?: string; extra?: Record<string, string> } = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: SESSION_PATH,
    HOME: '/root',
    LANG: 'C',
    DEBIAN_FRONTEND: 'noninteractive',
    SIDUS_INSTANCE: name,
  }
  if (opts.term) env.TERM = opts.term
  if (opts.shell) {
    env.SHELL = opts.shell
    env.PS1 = sessionPrompt(name)
    env.debian_chroot = `sidus:${name}`
  }
  for (const [key, value] of Object.entries(opts.extra ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`invalid environment variable name ${JSON.stringify(key)}`)
    env[key] = value
  }
  return env
}
