/**
 * 99sidus-trim's getarg and getargs in the shell (getarg.sh), against the real thing: dracut-util
 * (dracut-getarg, dracut-getargs) and dracut-lib.sh as the bookworm reference root ships them, run
 * with dash in a chroot of a small root. The same answers (output and status) for every key on a
 * corpus of command lines (real ones, quotes, blanks of every kind, =, bare keys, repeated keys, and
 * a seeded random set), through dracut-lib's own getarg/getargs/getargbool with no program to run;
 * and the edit of dracut-lib.sh that module-setup makes, made only where it is whole.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assetPath } from '../../../src/assets.js'
import { addHostDash, makeBusyboxRoot } from '../../helpers/busybox-root.js'
import { ensureRefRoot } from '../../helpers/ref-root.js'

const MODULES = '/usr/lib/dracut/modules.d'
let ref: string
let dir: string
let root: string

/** module-setup's sidus_getarg_in_shell on FILE (bash, as dracut runs module-setup), with the assets as its moddir */
function editLib(file: string): void {
  const r = spawnSync('bash', ['-c', 'moddir=$1; . "$1/module-setup.sh"; sidus_getarg_in_shell "$2"', 'bash', assetPath('dracut/99sidus-trim'), file], { encoding: 'utf8' })
  expect(r.status, r.stderr).toBe(0)
}

beforeAll(async () => {
  ref = await ensureRefRoot()
  dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-getarg-'))
  root = makeBusyboxRoot(path.join(dir, 'root'))
  addHostDash(root)
  // dracut-util as 99base installs it: one program, called by the names of two links
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true })
  copyFileSync(`${ref}/usr/lib/dracut/dracut-util`, path.join(root, 'usr/bin/dracut-util'))
  chmodSync(path.join(root, 'usr/bin/dracut-util'), 0o755)
  symlinkSync('dracut-util', path.join(root, 'usr/bin/dracut-getarg'))
  symlinkSync('dracut-util', path.join(root, 'usr/bin/dracut-getargs'))
  // dracut's library as it ships (lib/dracut) and as 99sidus-trim leaves it in the image (lib/sidus)
  for (const d of ['lib/dracut', 'lib/sidus']) {
    mkdirSync(path.join(root, d), { recursive: true })
    copyFileSync(`${ref}${MODULES}/99base/dracut-lib.sh`, path.join(root, d, 'dracut-lib.sh'))
  }
  // (dracut-lib.sh sources it by this path)
  copyFileSync(`${ref}${MODULES}/99base/dracut-dev-lib.sh`, path.join(root, 'lib/dracut-dev-lib.sh'))
  editLib(path.join(root, 'lib/sidus/dracut-lib.sh'))
  // what dracut-lib's top level would make with mkdir and ln in an initrd (none runs here)
  for (const d of ['run/initramfs/log', 'run/lock', 'run/log']) mkdirSync(path.join(root, d), { recursive: true })
  copyFileSync(assetPath('dracut/99sidus-trim/getarg.sh'), path.join(root, 'lib/getarg.sh'))
}, 1_800_000)
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }) })

/** a dash script in the chroot with this /proc/cmdline; its output and status */
function sh(script: string, cmdline: string, env: Record<string, string>): { out: string; status: number | null } {
  writeFileSync(path.join(root, 'proc/cmdline'), `${cmdline}\n`)
  const r = spawnSync('/usr/sbin/chroot', [root, '/bin/dash', '-c', script], { encoding: 'latin1', env })
  return { out: `${r.stdout}${r.stderr}`, status: r.status }
}

interface Answer { key: string; out: string; rc: number }

/** for each key: what a lookup printed and its status (the command line in $CMDLINE) */
function lookups(call: string, cmdline: string, keys: string[], env: Record<string, string>, preamble = ''): Answer[] {
  const script = `${preamble}\nfor k in "$@"; do printf '@@%s@@' "$k"; ${call} "$k"; printf '@@%s\\n' "$?"; done`
  writeFileSync(path.join(root, 'tmp/keys'), keys.join('\n') + '\n')
  const out = sh(`set --; while IFS= read -r k; do set -- "$@" "$k"; done < /tmp/keys\n${script}`, cmdline, { ...env, CMDLINE: cmdline }).out
  return [...out.matchAll(/@@(.*?)@@([\s\S]*?)@@(\d+)\n/g)].map((m) => ({ key: m[1], out: m[2], rc: Number(m[3]) }))
}

/** dracut-util's answers beside ours; where dracut 059's crashed (getargs KEY=VALUE on a bare KEY), dracut-ng's
 * fix says no match there (its other matches are printed): ours must give a status, never a crash */
function compare(tool: string, cmdline: string): void {
  const theirs = lookups(`dracut-${tool}`, cmdline, KEYS, PATH)
  const ours = lookups(`_sidus_${tool}`, cmdline, KEYS, NO_PROGRAMS, '. /lib/getarg.sh')
  expect(ours.map((a) => a.key)).toEqual(KEYS)
  expect(theirs.map((a) => a.key)).toEqual(KEYS)
  for (const [i, a] of ours.entries()) {
    if (theirs[i].rc >= 128) expect(a.rc, `${tool} ${a.key} on ${JSON.stringify(cmdline)}`).toBeLessThan(2)
    else expect(a, `${tool} on ${JSON.stringify(cmdline)}`).toEqual(theirs[i])
  }
}

const PATH = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }
const NO_PROGRAMS = { PATH: '/nonexistent' }
const KEYS = ['ip', 'root', 'rd.neednet', 'BOOTIF', 'sidus', 'a', 'b', 'ab', 'rd.x', 'x', 'a=1', 'a=', 'b=', 'a=b', 'a="q', 'a=b=c', '"a"', '*', 'c', 'rd.debug', 'console', 'sidus.lease=firmware', 'ip=dhcp', 'rd.x=1 2']

/** command lines as clients get them, and the corners of the kernel's parser */
const CMDLINES = [
  'initrd=base.img initrd=nics.img BOOTIF=01-52-54-00-5d-00-01 ip=10.213.70.186::10.213.70.254:255.255.255.0:n1::none sidus.lease=firmware root=nfs:10.213.70.254:/srv/nfsroot/b64:vers=3,rsize=1048576,nolock,actimeo=1 sidus=overlay console=tty0 console=ttyS0,115200 net.ifnames=0',
  'ip=dhcp root=nfs:10.0.0.1:/r ip=eth0:dhcp rd.neednet rd.neednet=0',
  '',
  '   ',
  'a',
  'a=',
  'a=1 a a=2 a',
  'a=1 a',
  '=a =a=b a==b',
  'rd.x="1 2" b="q w" "a=b c" "a" "b',
  'a="q w" a="x"y a=x"y" "a="',
  'a="',
  '"',
  'a=b\tb=c\nab=d\u000bx=\u000cy\rrd.x=1',
  'a=1\u00a0b=2',
  '* a=* b=$x c=`id` \\ a=\\"',
]

/** a seeded random set of command lines made of the parser's pieces (the same every run) */
function randomCmdlines(count: number, seed: number): string[] {
  let s = seed >>> 0
  const next = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296 }
  const atoms = ['a', 'b', 'ab', 'rd.x', 'ip', 'x=y', 'a=1', 'a=', 'a="q w"', '"a=b c"', '"a"', 'a=b=c', '=', '==', '"', ' ', '  ', '\t', '\n', '\r', '\u000b', '*', '\\', 'rd.x="1 2"']
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    let line = ''
    const n = Math.floor(next() * 9)
    for (let j = 0; j < n; j++) line += atoms[Math.floor(next() * atoms.length)] + ['', ' ', ' ', '\t'][Math.floor(next() * 4)]
    out.push(line)
  }
  return out
}

describe("getarg.sh's _sidus_getarg and _sidus_getargs against dracut-util", () => {
  it('answers every key as dracut-getarg and dracut-getargs do (output and status), on real and corner-case command lines', () => {
    for (const cmdline of CMDLINES) {
      for (const tool of ['getarg', 'getargs']) compare(tool, cmdline)
    }
    // the line a client boots with: the values it carries, as dracut reads them
    const lab = CMDLINES[0]
    expect(lookups('_sidus_getarg', lab, ['ip', 'sidus', 'root', 'console', 'sidus.lease=firmware', 'rd.debug'], NO_PROGRAMS, '. /lib/getarg.sh')).toEqual([
      { key: 'ip', out: '10.213.70.186::10.213.70.254:255.255.255.0:n1::none\n', rc: 0 },
      { key: 'sidus', out: 'overlay\n', rc: 0 },
      { key: 'root', out: 'nfs:10.213.70.254:/srv/nfsroot/b64:vers=3,rsize=1048576,nolock,actimeo=1\n', rc: 0 },
      { key: 'console', out: 'ttyS0,115200\n', rc: 0 },
      { key: 'sidus.lease=firmware', out: '', rc: 0 },
      { key: 'rd.debug', out: '', rc: 1 },
    ])
    // dracut-ng's answer where 059's crashed: the bare key is no match, the matching value is printed
    expect(lookups('_sidus_getargs', 'a a=1 a=2', ['a=1'], NO_PROGRAMS, '. /lib/getarg.sh')).toEqual([{ key: 'a=1', out: '1\n', rc: 0 }])
  })

  it('answers as they do on 200 seeded random command lines of the parser\'s pieces', () => {
    for (const cmdline of randomCmdlines(200, 19)) {
      for (const tool of ['getarg', 'getargs']) compare(tool, cmdline)
    }
  })

  it('refuses what dracut-util refuses, with its messages: no key, no CMDLINE, not one argument', () => {
    const run = (call: string, env: Record<string, string>, pre = '') => sh(`${pre}\n${call}; echo "rc=$?"`, 'a=1', env).out
    for (const tool of ['getarg', 'getargs']) {
      expect(run(`_sidus_${tool} =x`, NO_PROGRAMS, '. /lib/getarg.sh; export CMDLINE="a=1"')).toBe(run(`dracut-${tool} =x`, PATH, 'export CMDLINE="a=1"'))
      expect(run(`_sidus_${tool} a`, NO_PROGRAMS, '. /lib/getarg.sh; unset CMDLINE')).toBe(run(`dracut-${tool} a`, PATH, 'unset CMDLINE'))
      expect(run(`_sidus_${tool} a b`, NO_PROGRAMS, '. /lib/getarg.sh; export CMDLINE="a=1"')).toBe(run(`dracut-${tool} a b`, PATH, 'export CMDLINE="a=1"'))
    }
    expect(run('_sidus_getarg =x', NO_PROGRAMS, '. /lib/getarg.sh; export CMDLINE="a=1"')).toContain('search key undefined')
  })

  it('leaves the shell as it found it: globbing still on, IFS untouched', () => {
    const r = sh('. /lib/getarg.sh; old=$IFS; export CMDLINE="a=* b"; _sidus_getarg a; _sidus_getargs b; case $- in *f*) echo noglob ;; *) echo glob ;; esac; [ "$IFS" = "$old" ] && echo ifs', '', NO_PROGRAMS)
    expect(r.out.split('\n').filter(Boolean)).toEqual(['*', 'b', 'glob', 'ifs'])
  })
})

describe("dracut-lib.sh as 99sidus-trim leaves it in the image", () => {
  const CALLS = ['getarg ip', 'getarg sidus', 'getarg rd.neednet', 'getarg -d rd.x -y a', 'getarg -n ab', 'getarg -y b', 'getarg root= ', 'getargs console', 'getargs a', 'getargs -d rd.x a',
    'getargbool 0 rd.neednet', 'getargbool 1 a', 'getargbool 0 b', 'getargnum 5 1 9 ab', 'getargs ip=dhcp']

  it('answers dracut-lib\'s getarg, getargs, getargbool and getargnum as dracut\'s own does, with no program to run (PATH=/nonexistent)', () => {
    const script = (lib: string) => `. /lib/${lib}/dracut-lib.sh\n${CALLS.map((c) => `printf '[%s] ' '${c}'; ${c} 2>&1; echo " rc=$?"`).join('\n')}`
    for (const cmdline of [...CMDLINES, 'rd.neednet=1 a=0 b=off ab=7 rd.x=2 console=tty0 console=ttyS0 ip=dhcp ip=eth0:dhcp', 'a=no ab=12 rd.neednet']) {
      const theirs = sh(script('dracut'), cmdline, PATH)
      const ours = sh(script('sidus'), cmdline, NO_PROGRAMS)
      expect(ours.out).not.toContain('not found')
      expect(ours.out).not.toContain('Segmentation fault')
      // (dracut-util 059 crashes on a lone quote: nothing to compare there)
      if (!theirs.out.includes('Segmentation fault')) expect(ours, JSON.stringify(cmdline)).toEqual(theirs)
    }
  })

  it('calls the shell functions where dracut-util was called, nothing of dracut-util is left to call, and the command line is read without a subshell', () => {
    const lib = readFileSync(path.join(root, 'lib/sidus/dracut-lib.sh'), 'utf8')
    expect(lib).not.toMatch(/dracut-getargs? "/)
    expect(lib.match(/_sidus_getarg "/g)?.length).toBe(3)
    expect(lib.match(/_sidus_getargs "/g)?.length).toBe(1)
    // getarg and getargs read the command line in their own shell: no $(getcmdline) subshell per lookup
    expect(lib).not.toContain('$(getcmdline)')
    expect(lib.match(/^ {4}getcmdline > \/dev\/null$/gm)?.length).toBe(2)
    // right after the first line: the library's top level calls getarg (setdebug) before its end
    const first = lib.indexOf('\n') + 1
    expect(lib.slice(first, first + readFileSync(assetPath('dracut/99sidus-trim/getarg.sh'), 'utf8').length)).toBe(readFileSync(assetPath('dracut/99sidus-trim/getarg.sh'), 'utf8'))
    expect(readdirSync(path.join(root, 'lib/sidus')).filter((f) => f.endsWith('.sidus'))).toEqual([])
  })

  it('is edited once: a second build pass changes nothing', () => {
    const file = path.join(root, 'lib/sidus/dracut-lib.sh')
    const before = readFileSync(file, 'utf8')
    editLib(file)
    expect(readFileSync(file, 'utf8')).toBe(before)
  })

  it('stays as dracut wrote it when it calls dracut-util some other way (the edit would be partial), and no temp file is left', () => {
    const other = path.join(dir, 'other')
    mkdirSync(other)
    const text = 'getarg() { CMDLINE=$(getcmdline) dracut-getarg "$1"; }\ngetargs() { dracut-getargs $1; }\n'
    writeFileSync(path.join(other, 'dracut-lib.sh'), text)
    editLib(path.join(other, 'dracut-lib.sh'))
    expect(readFileSync(path.join(other, 'dracut-lib.sh'), 'utf8')).toBe(text)
    expect(readdirSync(other)).toEqual(['dracut-lib.sh'])
    // and a library without dracut-util (dracut 044, 048: getarg in the shell already) is not touched
    editLib(path.join(other, 'missing.sh'))
    expect(existsSync(path.join(other, 'missing.sh'))).toBe(false)
  })
})
