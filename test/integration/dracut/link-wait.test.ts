/**
 * 99sidus-trim's link waits (link-wait.sh, appended to the image's net-lib.sh), against dracut's own
 * net-lib.sh as the bookworm reference root ships it: wait_for_if_link, wait_for_if_up, linkup and
 * iface_has_carrier on real links (veth pairs, a dummy, lo, an altname) in a network namespace made
 * for each run, with dash. The same answers (status, the link's state after, _no_carrier_flag), with
 * no `ip` started where sysfs answers; and the edit module-setup makes, made once and only where whole.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assetPath } from '../../../src/assets.js'
import { ensureRefRoot } from '../../helpers/ref-root.js'

const NET_LIB = '/usr/lib/dracut/modules.d/40network/net-lib.sh'
let dir: string
let theirs: string
let ours: string
let wrapped: string

/** module-setup's sidus_link_wait_in_shell on FILE (bash, as dracut runs module-setup), with the assets as its moddir */
function editLib(file: string): { status: number | null; stderr: string } {
  const r = spawnSync('bash', ['-c', 'moddir=$1; . "$1/module-setup.sh"; sidus_link_wait_in_shell "$2"', 'bash', assetPath('dracut/99sidus-trim'), file], { encoding: 'utf8' })
  return { status: r.status, stderr: r.stderr }
}

beforeAll(async () => {
  const ref = await ensureRefRoot()
  dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-link-wait-'))
  theirs = path.join(dir, 'theirs.sh')
  ours = path.join(dir, 'ours.sh')
  copyFileSync(`${ref}${NET_LIB}`, theirs)
  copyFileSync(`${ref}${NET_LIB}`, ours)
  const r = editLib(ours)
  expect(r.status, r.stderr).toBe(0)
  // an `ip` that notes each start in $IP_LOG, then runs the real one
  wrapped = path.join(dir, 'bin')
  mkdirSync(wrapped)
  writeFileSync(path.join(wrapped, 'ip'), '#!/bin/sh\necho "ip $*" >> "$IP_LOG"\nexec /usr/sbin/ip "$@"\n')
  chmodSync(path.join(wrapped, 'ip'), 0o755)
}, 1_800_000)
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }) })

interface Run { out: string; ips: string[] }

/**
 * In a fresh network namespace (and its own sysfs): SETUP (sh, the real ip), then dash sources LIB (with dracut-lib's
 * strstr and a getargs that answers every rd.net.timeout.* with TIMEOUT seconds) and runs CALL;
 * prints its status, then for each link of SHOW whether it is up, and _no_carrier_flag.
 */
function run(lib: string, setup: string, call: string, show: string[], timeout = 1): Run {
  const log = path.join(dir, `ip-${Math.random().toString(36).slice(2)}.log`)
  writeFileSync(log, '')
  const script = [
    'strstr() { [ "${1##*"$2"*}" != "$1" ]; }',
    `getargs() { case "$1" in rd.net.timeout.*) echo ${timeout} ;; esac; }`,
    `. ${lib}`,
    `${call}; echo "status $?"`,
    ...show.map((l) => `case "$(/usr/sbin/ip -o link show up dev ${l} 2>/dev/null)" in '') echo "${l} down" ;; *) echo "${l} up" ;; esac`),
    'echo "no_carrier_flag=${_no_carrier_flag:-}"',
  ].join('\n')
  // a mount namespace too, for a sysfs of the new network namespace's own (sysfs shows the links of
  // the namespace it was mounted in: the initrd's is its only one)
  const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', `mount -t sysfs sysfs /sys\n${setup}\nexec dash -c "$1"`, 'sh', script], {
    encoding: 'utf8',
    env: { PATH: `${wrapped}:/usr/sbin:/usr/bin:/sbin:/bin`, IP_LOG: log },
  })
  expect(r.status, r.stderr).toBe(0)
  const ips = readFileSync(log, 'utf8').split('\n').filter(Boolean)
  rmSync(log)
  return { out: r.stdout, ips }
}

const IP = '/usr/sbin/ip'
const VETH_DOWN = `${IP} link add name va type veth peer name vb`
const VETH_UP = `${VETH_DOWN} && ${IP} link set vb up && ${IP} link set va up`
const NO_CARRIER = `${VETH_DOWN} && ${IP} link set va up`
const DUMMY = `${IP} link add name d0 type dummy`

const CASES: { name: string; setup: string; call: string; show: string[] }[] = [
  { name: 'linkup on a link that is down', setup: VETH_DOWN, call: 'linkup va', show: ['va', 'vb'] },
  { name: 'linkup on a link that is up', setup: VETH_UP, call: 'linkup va', show: ['va'] },
  { name: 'linkup on no such link', setup: '', call: 'linkup nope', show: [] },
  { name: 'linkup by altname', setup: `${VETH_UP} && ${IP} link property add dev va altname alt0`, call: 'linkup alt0', show: ['va'] },
  { name: 'wait_for_if_link on a link', setup: VETH_DOWN, call: 'wait_for_if_link va', show: ['va'] },
  { name: 'wait_for_if_link on no such link', setup: '', call: 'wait_for_if_link nope', show: [] },
  { name: 'wait_for_if_up on a link that stays down', setup: VETH_DOWN, call: 'wait_for_if_up va', show: ['va'] },
  { name: 'wait_for_if_up on lo, up', setup: `${IP} link set lo up`, call: 'wait_for_if_up lo', show: ['lo'] },
  { name: 'iface_has_carrier on a link with its peer up', setup: `${VETH_DOWN} && ${IP} link set vb up`, call: 'iface_has_carrier va', show: ['va'] },
  { name: 'iface_has_carrier on a link whose peer is down (NO-CARRIER)', setup: NO_CARRIER, call: 'iface_has_carrier va', show: ['va'] },
  { name: 'iface_has_carrier on a dummy (state UNKNOWN)', setup: DUMMY, call: 'iface_has_carrier d0', show: ['d0'] },
  { name: 'iface_has_carrier on no such link', setup: '', call: 'iface_has_carrier nope', show: [] },
  { name: 'iface_has_carrier with no name', setup: '', call: 'iface_has_carrier ""', show: [] },
  { name: 'iface_has_carrier while the peer comes up during the wait', setup: `${NO_CARRIER}\n(sleep 0.4; ${IP} link set vb up) &`, call: 'iface_has_carrier va', show: ['va', 'vb'] },
]

describe("link-wait.sh's waits against dracut's net-lib.sh", () => {
  it.each(CASES)('$name: the same status, link state and _no_carrier_flag', ({ setup, call, show }) => {
    const a = run(theirs, setup, call, show)
    const b = run(ours, setup, call, show)
    expect(b.out).toBe(a.out)
    expect(a.out).toMatch(/^status \d+\n/)
  }, 60_000)

  it('starts no ip where sysfs answers: none on a link that is up, one (ip link set up) on a link that is down; dracut\'s started several', () => {
    const upTheirs = run(theirs, VETH_UP, 'iface_has_carrier va && linkup va', ['va'])
    const upOurs = run(ours, VETH_UP, 'iface_has_carrier va && linkup va', ['va'])
    expect(upOurs.out).toBe(upTheirs.out)
    expect(upOurs.out).toContain('status 0')
    expect(upOurs.ips).toEqual([])
    expect(upTheirs.ips.length).toBeGreaterThanOrEqual(5)
    const downOurs = run(ours, `${VETH_DOWN} && ${IP} link set vb up`, 'iface_has_carrier va && linkup va', ['va'])
    expect(downOurs.out).toContain('status 0')
    expect(downOurs.ips).toEqual(['ip link set va up'])
  }, 60_000)

  it('asks ip for a name sysfs does not list (an altname), as dracut did', () => {
    const r = run(ours, `${VETH_UP} && ${IP} link property add dev va altname alt0`, 'wait_for_if_up alt0', ['va'])
    expect(r.out).toContain('status 0')
    expect(r.ips.some((l) => l.startsWith('ip link show up dev alt0'))).toBe(true)
  }, 60_000)
})

describe('the edit of net-lib.sh (sidus_link_wait_in_shell)', () => {
  it('appends link-wait.sh once: a second pass changes nothing, and the last definitions are ours', () => {
    const before = readFileSync(ours, 'utf8')
    expect(before.startsWith(readFileSync(theirs, 'utf8'))).toBe(true)
    expect(before.endsWith(readFileSync(assetPath('dracut/99sidus-trim/link-wait.sh'), 'utf8'))).toBe(true)
    expect(editLib(ours).status).toBe(0)
    expect(readFileSync(ours, 'utf8')).toBe(before)
  })

  it('leaves a net-lib.sh alone where one of the four functions is not written as dracut writes it', () => {
    const odd = path.join(dir, 'odd.sh')
    const text = readFileSync(theirs, 'utf8').replace(/^iface_has_carrier\(\) \{$/m, 'iface_has_carrier()\n{')
    writeFileSync(odd, text)
    expect(editLib(odd).status).toBe(0)
    expect(readFileSync(odd, 'utf8')).toBe(text)
    expect(readFileSync(theirs, 'utf8')).not.toContain('_sidus_link_flags')
  })
})
