/** Debian's place for bash's loadable builtins (package bash-builtins). */
export const BASH_LOADABLES = '/usr/lib/bash'

/** Everything one session needs, resolved by sidus before it starts (see assets/chroot/session.sh). */
export interface SessionSpec {
  script: string
  root: string
  lock: string
  status: string
  /** a scratch file of ours the script writes each `mount -a` table into (one mount process for many mounts) */
  fstab: string
  /** where bash's loadable builtins are (Debian's bash-builtins): realpath, mkdir, ln and rm then cost no process */
  loadables?: string
  /** written into the lock file while the session holds it */
  holder: string
  noWait: boolean
  /** forward SIGINT to the command; record it only (the terminal already sent it to the command); ignore it (a shell) */
  onInt: 'forward' | 'record' | 'ignore'
  personality?: string
  /** the root's policy-rc.d resolved inside the root, and our exit-101 script */
  policy?: { path: string; asset: string }
  resolv?: { mode: 'bind' | 'copy'; target: string; source: string }
  env: Record<string, string>
  argv: string[]
}

/**
 * The argv that starts a session: pdeathsig KILL makes unshare die with sidus, even on kill -9;
 * --kill-child then sends the session's pid 1 SIGTERM; when pid 1 exits, the kernel ends every
 * process of the pid namespace and the mount namespace goes with them.
 */
export function sessionArgv(spec: SessionSpec): string[] {
  const argv = [
    'setpriv', '--pdeathsig', 'KILL', '--',
    'unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child=SIGTERM', '--',
    'bash', spec.script,
    '--root', spec.root, '--lock', spec.lock, '--status', spec.status, '--fstab', spec.fstab, '--holder', spec.holder, '--on-int', spec.onInt,
  ]
  if (spec.loadables) argv.push('--loadables', spec.loadables)
  if (spec.noWait) argv.push('--no-wait')
  if (spec.personality) argv.push('--personality', spec.personality)
  if (spec.policy) argv.push('--policy', spec.policy.path, '--policy-asset', spec.policy.asset)
  if (spec.resolv) argv.push('--resolv', spec.resolv.mode, '--resolv-target', spec.resolv.target, '--resolv-source', spec.resolv.source)
  for (const [key, value] of Object.entries(spec.env)) argv.push('--env', `${key}=${value}`)
  argv.push('--', ...spec.argv)
  return argv
}
