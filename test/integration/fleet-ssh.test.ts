import { execa, type ResultPromise } from 'execa'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { tempWorld } from '../helpers/config.js'
import { BIN } from '../helpers/cli.js'
import { TestNetns, writeText } from '../helpers/netns.js'

/**
 * The fleet commands against a real OpenSSH server (Debian's sshd, started by the test inside
 * a network namespace of its own with no route out): one sshd listening on several addresses
 * of the namespace's bridge, each address a "node". Up nodes run the probe on this machine for
 * real; a slow node's sshd runs `sleep` instead of any command (ForceCommand); a down node's
 * address has no sshd behind it. The reboot nodes are a SIMULATION: a ForceCommand script
 * answers `systemctl reboot` by changing the boot id it reports and taking the live root's
 * generation (no machine reboots here).
 */
const NET = '10.213.91'
const world = tempWorld(`server: {address: ${NET}.254, network: ${NET}.0/24}\n`)
const run = path.join(world.dir, 'run')
const sshdDir = path.join(world.dir, 'sshd')
const ns = new TestNetns(run, 'br-t16', `${NET}.254/24`)
const root = path.join(world.roots, 'demo')
const KERNEL = os.release()

const NODES = {
  n01: `${NET}.11`, // up
  n02: `${NET}.12`, // up
  n03: `${NET}.13`, // down: the address exists, nothing listens
  n04: `${NET}.14`, // slow: logs in, then hangs
  n06: `${NET}.16`, // simulated node that reboots
  n07: `${NET}.17`, // simulated node whose reboot never happens
  n08: `${NET}.18`, // slow too
  n09: `${NET}.19`, // slow too
}
const LISTEN = ['n01', 'n02', 'n04', 'n06', 'n07', 'n08', 'n09'] as const

const hostKey = path.join(sshdDir, 'host_ed25519')
const fakeNode = path.join(sshdDir, 'fake-node.sh')
let sshd: ResultPromise | undefined

function sshdConfig(): string {
  const match = (node: keyof typeof NODES, command: string) => `Match LocalAddress ${NODES[node]}\n    ForceCommand ${command}\n`
  return [
    'Port 22',
    ...LISTEN.map((n) => `ListenAddress ${NODES[n]}`),
    `HostKey ${hostKey}`,
    `PidFile ${path.join(sshdDir, 'sshd.pid')}`,
    // the fleet key as `sidus ssh-key install` put it into the instance's root
    `AuthorizedKeysFile ${path.join(root, 'root/.ssh/authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // the temp dirs sit under the world-writable /tmp
    'StrictModes no',
    'LogLevel VERBOSE',
    '',
    match('n04', 'sleep 120'),
    match('n08', 'sleep 120'),
    match('n09', 'sleep 120'),
    match('n06', `${fakeNode} ${path.join(sshdDir, 'n06')} reboots`),
    match('n07', `${fakeNode} ${path.join(sshdDir, 'n07')} stuck`),
  ].join('\n')
}

async function startSshd(): Promise<void> {
  const config = writeText(path.join(sshdDir, 'sshd_config'), sshdConfig())
  sshd = ns.spawn(['/usr/sbin/sshd', '-D', '-e', '-f', config], path.join(sshdDir, 'sshd.log'))
  await ns.waitFor(async () => (await ns.listening()).includes(`${NODES.n01}:22`), 'sshd listening')
}

async function newHostKey(): Promise<void> {
  rmSync(hostKey, { force: true })
  rmSync(`${hostKey}.pub`, { force: true })
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey])
}

/** The sidus CLI inside the namespace: every packet it sends stays there. */
async function sidus(args: string[]) {
  const started = Date.now()
  const r = await execa('ip', ['netns', 'exec', ns.name, 'node', BIN, ...args], {
    env: { ...world.env, NO_COLOR: '1' }, reject: false, all: true, timeout: 120_000,
  })
  return { ...r, seconds: (Date.now() - started) / 1000 }
}

const json = <T>(r: { stdout: string }): T => JSON.parse(r.stdout) as T
/** the CLI's output and sshd's log, for a failure message */
const explain = (r: { all?: string }) => `${r.all ?? ''}\n--- sshd log:\n${readFileSync(path.join(sshdDir, 'sshd.log'), 'utf8').split('\n').slice(-40).join('\n')}`

beforeAll(async () => {
  mkdirSync(sshdDir, { recursive: true })
  // an instance root: its live generation and newest kernel are what nodes are compared with
  writeText(path.join(root, 'boot', `vmlinuz-${KERNEL}`), 'kernel')
  writeText(path.join(root, 'etc/hostname'), 'demo\n')
  writeText(path.join(world.dir, 'nodes.yaml'), [
    'nodes:',
    ...Object.entries(NODES).map(([name, ip], i) => `  ${name}: {mac: "52:54:00:00:91:${(i + 1).toString(16).padStart(2, '0')}", ip: ${ip}}`),
    '  n05: {mac: "52:54:00:00:91:55"}',
    '',
  ].join('\n'))
  writeFileSync(fakeNode, [
    '#!/bin/sh',
    '# SIMULATED node: `systemctl reboot` gives it a new boot id and the live root\'s generation.',
    'state=$1; kind=$2; mkdir -p "$state"',
    '[ -f "$state/boot_id" ] || cat /proc/sys/kernel/random/uuid > "$state/boot_id"',
    '[ -f "$state/generation" ] || echo 1 > "$state/generation"',
    'if [ "$SSH_ORIGINAL_COMMAND" = "systemctl reboot" ]; then',
    '    if [ "$kind" = reboots ]; then',
    '        cat /proc/sys/kernel/random/uuid > "$state/boot_id"',
    `        cat ${path.join(root, 'etc/sidus-generation')} > "$state/generation" 2>/dev/null || echo 1 > "$state/generation"`,
    '    fi',
    '    exit 0',
    'fi',
    'out=$(sh -c "$SSH_ORIGINAL_COMMAND"); rc=$?',
    'printf \'%s\\n\' "$out" | sed -e "s/^boot_id=.*/boot_id=$(cat "$state/boot_id")/" -e "s/^generation=.*/generation=$(cat "$state/generation")/"',
    'exit $rc',
    '',
  ].join('\n'), { mode: 0o755 })
  await ns.up()
  for (const n of Object.keys(NODES) as (keyof typeof NODES)[]) await execa('ip', ['-n', ns.name, 'addr', 'add', `${NODES[n]}/24`, 'dev', 'br-t16'])
  // a RAM-backed overlay's writable layer, filled to ~90 %, and the initrd's state file (the up nodes run here)
  await ns.exec(['sh', '-c', [
    'mkdir -p /run/sidus/rw /run/sshd',
    'mount -t tmpfs -o size=1m sidus-test-rw /run/sidus/rw',
    'head -c 900k /dev/zero > /run/sidus/rw/fill',
    'printf "requested=overlay\\nmode=overlay\\nsize=1m\\n" > /run/sidus/state',
  ].join(' && ')])
  await newHostKey()
}, 60_000)

afterAll(async () => {
  await ns.down()
  rmSync(world.dir, { recursive: true, force: true })
})

describe('the fleet over SSH', () => {
  test('ssh-key install makes the fleet key and authorizes it in the root, once', async () => {
    const first = await sidus(['ssh-key', 'install', '--json'])
    expect(first.exitCode, first.all).toBe(0)
    expect(json<{ result: string; keyCreated: boolean }>(first)).toMatchObject({ result: 'added', keyCreated: true })
    const again = await sidus(['ssh-key', 'install', '--json'])
    expect(json<{ result: string; keyCreated: boolean }>(again)).toMatchObject({ result: 'unchanged', keyCreated: false })
    const keys = readFileSync(path.join(root, 'root/.ssh/authorized_keys'), 'utf8')
    expect(keys.trim().split('\n')).toHaveLength(1)
    expect(keys).toContain(readFileSync(path.join(world.state, 'ssh/id_ed25519.pub'), 'utf8').trim())
    await startSshd()
  })

  test('status: up, down, slow and unaddressed nodes, each a row, within about one timeout', async () => {
    // generous for a loaded CI machine (first contact: 7 key exchanges at once, each a new sshd)
    const r = await sidus(['node', 'status', '--timeout', '15'])
    expect(r.exitCode, r.all).toBe(0)
    // 3 slow nodes at 15 s each would be 45 s one after the other
    expect(r.seconds).toBeLessThan(30)
    const lines = r.stdout.split('\n')
    expect(lines[0], explain(r)).toBe('9 nodes: 4 up, 5 down, 0 need reboot, 4 overlay full (≥ 80 %)')
    const rowOf = (name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? ''
    expect(rowOf('n01')).toMatch(new RegExp(`^n01 +${NODES.n01} +up +demo +1 +${KERNEL.replace(/[.+]/g, '\\$&')} +overlay .* 8\\d% FULL +current$`))
    expect(rowOf('n03')).toMatch(/ down /)
    expect(rowOf('n04')).toMatch(/ timeout /)
    expect(rowOf('n05')).toMatch(/^n05 +- +no address/)
    expect(r.stderr).toContain('n04: n04 (10.213.91.14) did not answer within 15 s')
    expect(r.stderr).toContain('n05: n05 has no address')
    // every node's host key learned at first contact
    const known = readFileSync(path.join(world.state, 'ssh/known_hosts'), 'utf8')
    expect(known.split('\n').filter(Boolean).map((l) => l.split(' ')[0]).sort()).toEqual(['n01', 'n02', 'n04', 'n06', 'n07', 'n08', 'n09'])
  }, 60_000)

  test('status --json: a new live generation makes the nodes "needs reboot"', async () => {
    writeText(path.join(root, 'etc/sidus-generation'), '2\n')
    const r = await sidus(['node', 'status', 'n[01-02],n06', '--json'])
    const report = json<{ totals: Record<string, number>; nodes: { name: string; state: string; stale: string[]; boot: string; probe: { generation: number } }[] }>(r)
    expect(report.totals, explain(r)).toEqual({ nodes: 3, up: 3, down: 0, stale: 3, full: 3 })
    expect(report.nodes.map((n) => n.stale)).toEqual([['generation 1, live 2'], ['generation 1, live 2'], ['generation 1, live 2']])
    expect(report.nodes.map((n) => n.boot)).toEqual(['needs reboot', 'needs reboot', 'needs reboot'])
  }, 60_000)

  test('run: output prefixed per node, mixed exit codes, words quoted as given', async () => {
    // one word with spaces, quotes and $: it must reach the remote shell as one argument
    const script = `case "$SSH_CONNECTION" in *" ${NODES.n01} "*) echo "it's \\$fine"; exit 0 ;; *) echo failing >&2; exit 3 ;; esac`
    const r = await sidus(['node', 'run', 'n[01-02]', '--', 'sh', '-c', script])
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toContain('n01: it\'s $fine')
    expect(r.stderr).toContain('n02: failing')
    expect(r.stderr).toContain('n02: exited with 3')
    const j = await sidus(['node', 'run', 'n[01-03]', '--json', '--', 'sh', '-c', script])
    expect(j.exitCode).toBe(1)
    const nodes = json<{ ok: boolean; nodes: { name: string; exitCode?: number; error?: string }[] }>(j).nodes
    expect(nodes.map((n) => [n.name, n.exitCode])).toEqual([['n01', 0], ['n02', 3], ['n03', undefined]])
    expect(nodes[2].error).toMatch(/ECONNREFUSED/)
    const ok = await sidus(['node', 'run', 'n[01-02]', '--', 'true'])
    expect(ok.exitCode, ok.all).toBe(0)
  }, 60_000)

  test('run --gather folds identical outputs under their node set', async () => {
    const r = await sidus(['node', 'run', 'n[01-02]', '--gather', '--', 'echo', 'same output'])
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toBe('---------------\nn[01-02]\n---------------\nsame output')
  }, 60_000)

  test('reboot --rolling (simulated nodes): a batch comes back current; the first failed batch stops the roll', async () => {
    const good = await sidus(['node', 'reboot', 'n06', '--rolling', '--batch', '1', '--interval', '1', '--timeout', '20'])
    expect(good.exitCode, good.all).toBe(0)
    expect(good.stdout).toMatch(/^batch 1 \(n06\): back and current in [\d.]+ s$/m)
    const after = json<{ nodes: { stale: string[]; probe: { generation: number } }[] }>(await sidus(['node', 'status', 'n06', '--json']))
    expect(after.nodes[0]).toMatchObject({ stale: [], probe: { generation: 2 } })
    // n07 never reboots: its batch fails after the timeout and n06's batch is not started
    const bad = await sidus(['node', 'reboot', 'n07,n06', '--rolling', '--batch', '1', '--interval', '1', '--timeout', '12', '--json'])
    expect(bad.exitCode).toBe(1)
    const report = json<{ ok: boolean; batches: { nodes: string[]; failed: { name: string; why: string }[] }[]; notRebooted: string[] }>(bad)
    expect(report.batches).toHaveLength(1)
    expect(report.batches[0].failed).toEqual([{ name: 'n07', why: 'still up with the same boot id (the reboot did not happen) within 12 s' }])
    expect(report.notRebooted).toEqual(['n06'])
  }, 120_000)

  test('a changed host key is refused with the fingerprints and the fix; forget lets it be learned again', async () => {
    const oldKey = readFileSync(`${hostKey}.pub`, 'utf8')
    await ns.stop(sshd!)
    await newHostKey()
    await startSshd()
    const r = await sidus(['node', 'status', 'n01'])
    expect(r.stdout).toMatch(/^n01 .* hostkey mismatch /m)
    expect(r.stderr).toMatch(/n01 \(10\.213\.91\.11\) offered host key SHA256:\S+, not the known SHA256:\S+: refused \(fix: if n01 was reinstalled or its host key regenerated: sidus ssh-key forget n01\)/)
    expect(oldKey).not.toBe(readFileSync(`${hostKey}.pub`, 'utf8'))
    const runRefused = await sidus(['node', 'run', 'n01', '--', 'true'])
    expect(runRefused.exitCode).toBe(1)
    const forget = await sidus(['ssh-key', 'forget', 'n01'])
    expect(forget.exitCode, forget.all).toBe(0)
    const again = await sidus(['node', 'status', 'n01', '--json'])
    expect(json<{ nodes: { state: string }[] }>(again).nodes[0].state).toBe('up')
  }, 60_000)
})
