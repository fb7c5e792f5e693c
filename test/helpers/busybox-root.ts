import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/**
 * A small real root: the host's static busybox and a symlink per applet, the directories
 * a session mounts on, and /usr/sbin (where policy-rc.d lives). No network, no packages.
 */
export function makeBusyboxRoot(dir: string, options: { resolvConf?: string } = {}): string {
  for (const d of ['bin', 'etc', 'usr/sbin', 'proc', 'sys', 'dev', 'run', 'tmp', 'root']) mkdirSync(path.join(dir, d), { recursive: true })
  copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'))
  execFileSync('chmod', ['755', path.join(dir, 'bin/busybox')])
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)
  for (const applet of applets) {
    if (applet !== 'busybox') symlinkSync('busybox', path.join(dir, 'bin', applet))
  }
  writeFileSync(path.join(dir, 'etc/resolv.conf'), options.resolvConf ?? 'nameserver 192.0.2.53\n')
  return dir
}

/** The host's dash and the libraries it links, put into ROOT: Debian's /bin/sh, as an initrd and systemd run scripts */
export function addHostDash(root: string): void {
  for (const f of ['/bin/dash', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true })
    copyFileSync(f, path.join(root, f))
  }
  chmodSync(path.join(root, 'bin/dash'), 0o755)
}
