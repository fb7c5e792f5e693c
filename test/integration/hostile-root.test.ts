import { createHash, randomBytes } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fakeInstance } from '../helpers/boot-tree.js'
import { sidus } from '../helpers/cli.js'
import { tempWorld } from '../helpers/config.js'
import { makeBusyboxRoot } from '../helpers/busybox-root.js'
import { removeWorld } from './chroot/helpers.js'

/**
 * A root is untrusted content. Each planted symlink points at a victim file of the server
 * (made here, with content found nowhere else); sidus must neither copy it into the TFTP tree
 * nor change it, and must say which link it refused, going on with the rest.
 */
const KVER = '6.1.0-50-amd64'
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')

let victimDir: string
let victim: string
let secret: Buffer
beforeAll(() => {
  victimDir = mkdtemp('sidus-victim-')
  victim = path.join(victimDir, 'secret.txt')
  secret = Buffer.from(`sidus-hostile-root-victim-${randomBytes(16).toString('hex')}\n`)
  writeFileSync(victim, secret, { mode: 0o600 })
})
afterAll(() => rmSync(victimDir, { recursive: true, force: true }))

function mkdtemp(prefix: string): string {
  const d = path.join(os.tmpdir(), `${prefix}${randomBytes(4).toString('hex')}`)
  mkdirSync(d)
  return d
}

const worlds: string[] = []
afterEach(() => { for (const d of worlds.splice(0)) rmSync(d, { recursive: true, force: true }) })
function world() {
  const w = tempWorld()
  worlds.push(w.dir)
  return w
}

/** every file under `dir` (links not followed) whose bytes contain `needle`: the grep of the whole tree */
function grepTree(dir: string, needle: Buffer): string[] {
  const hits: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile() && readFileSync(p).includes(needle)) hits.push(p)
      else if (e.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isFile() && readFileSync(p).includes(needle)) hits.push(`${p} (through the link)`)
    }
  }
  walk(dir)
  return hits
}

/** `..` components enough to climb from `from` to / */
const climb = (from: string) => '../'.repeat(from.split('/').filter(Boolean).length)

describe('hostile roots: publish never copies a file from outside the root', () => {
  const cases: { name: string; plant: (roots: string) => string }[] = [
    {
      name: 'boot/vmlinuz-* an absolute symlink to a server file',
      plant: (roots) => {
        fakeInstance(roots, 'evil', [KVER])
        const link = path.join(roots, 'evil/boot', `vmlinuz-${KVER}`)
        rmSync(link)
        symlinkSync(victim, link)
        return link
      },
    },
    {
      name: 'boot/initrd.img-* a ../.. chain climbing out of the root',
      plant: (roots) => {
        fakeInstance(roots, 'evil', [KVER])
        const link = path.join(roots, 'evil/boot', `initrd.img-${KVER}`)
        rmSync(link)
        symlinkSync(`${climb(path.dirname(link))}${victim.slice(1)}`, link)
        expect(readFileSync(link)).toEqual(secret) // the server itself would follow it to the victim
        return link
      },
    },
    {
      name: '/boot itself a symlink to a server directory',
      plant: (roots) => {
        const hostBoot = path.join(victimDir, 'boot')
        mkdirSync(hostBoot, { recursive: true })
        writeFileSync(path.join(hostBoot, `vmlinuz-${KVER}`), secret)
        writeFileSync(path.join(hostBoot, `initrd.img-${KVER}`), secret)
        mkdirSync(path.join(roots, 'evil'), { recursive: true })
        const link = path.join(roots, 'evil/boot')
        symlinkSync(hostBoot, link)
        return link
      },
    },
  ]

  for (const c of cases) {
    it(c.name, async () => {
      const w = world()
      fakeInstance(w.roots, 'good', [KVER])
      const link = c.plant(w.roots)
      const before = sha(victim)
      const r = await sidus(['publish'], { env: w.env })
      const hits = grepTree(w.tftp, secret)
      const after = sha(victim)
      process.stdout.write(`hostile root (${c.name}): exit ${r.exitCode}; victim sha256 ${before.slice(0, 16)}… before, ${after.slice(0, 16)}… after; ` +
        `grep of the TFTP tree for the victim's content: ${hits.length} hits\n`)
      expect(r.exitCode, r.all).toBe(0)
      expect(after).toBe(before)
      expect(hits).toEqual([])
      // the refusal names the link, and the rest of the publish went on
      expect(r.stderr).toContain(`warning: ${link} is a symlink to `)
      expect(r.stderr).toContain('outside the root')
      expect(existsSync(path.join(w.tftp, `vmlinuz-${KVER}@good`))).toBe(true)
      expect(existsSync(path.join(w.tftp, `initrd.img-${KVER}@good`))).toBe(true)
      expect(existsSync(path.join(w.tftp, `vmlinuz-${KVER}@evil`))).toBe(false)
      expect(readFileSync(path.join(w.tftp, 'pxelinux.cfg/default'), 'utf8')).not.toContain('@evil')
    })
  }

  it('sidus info reads os-release, dpkg status and /boot inside the root only', async () => {
    const w = world()
    fakeInstance(w.roots, 'evil', [KVER])
    const hostEtc = path.join(victimDir, 'etc')
    mkdirSync(hostEtc, { recursive: true })
    writeFileSync(path.join(hostEtc, 'os-release'), `PRETTY_NAME="${secret.toString().trim()}"\nVERSION_CODENAME=leaked\n`)
    mkdirSync(path.join(w.roots, 'evil/etc'), { recursive: true })
    symlinkSync(path.join(hostEtc, 'os-release'), path.join(w.roots, 'evil/etc/os-release'))
    mkdirSync(path.join(w.roots, 'evil/var/lib/dpkg'), { recursive: true })
    symlinkSync(`${climb(path.join(w.roots, 'evil/var/lib/dpkg'))}${victim.slice(1)}`, path.join(w.roots, 'evil/var/lib/dpkg/status'))
    const before = sha(victim)
    const r = await sidus(['info', 'evil', '--json'], { env: w.env })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.all).not.toContain(secret.toString().trim())
    expect(r.all).not.toContain('leaked')
    expect(sha(victim)).toBe(before)
  })
})

describe('hostile roots: sessions', () => {
  let w: (ReturnType<typeof tempWorld> & { root: string; name: string }) | undefined
  afterEach(() => { removeWorld(w); w = undefined })

  for (const kind of ['absolute', '../.. chain'] as const) {
    it(`policy-rc.d a dangling symlink (${kind}) to a server file: the session warns, the server file is untouched`, async () => {
      const base = tempWorld()
      const root = makeBusyboxRoot(path.join(base.roots, 'bb64'))
      w = { ...base, root, name: 'bb64' }
      const policy = path.join(root, 'usr/sbin/policy-rc.d')
      mkdirSync(path.dirname(policy), { recursive: true })
      rmSync(policy, { force: true })
      // a target whose directory the root does not have: there is nothing to cover inside it
      const target = path.join(victimDir, 'nodir-in-root', 'policy-rc.d')
      mkdirSync(path.dirname(target), { recursive: true })
      writeFileSync(target, secret)
      symlinkSync(kind === 'absolute' ? target : `${climb(path.dirname(policy))}${target.slice(1)}`, policy)
      const before = sha(target)
      const r = await sidus(['exec', 'bb64', '--', 'sh', '-c', 'echo in-session'], { env: w.env })
      process.stdout.write(`policy-rc.d ${kind}: exit ${r.exitCode}; victim sha256 ${before.slice(0, 16)}… before, ${sha(target).slice(0, 16)}… after\n`)
      expect(r.exitCode, r.all).toBe(0)
      expect(r.stdout).toContain('in-session')
      expect(r.stderr).toContain(`warning: ${policy} is a dangling symlink (to `)
      expect(r.stderr).toContain('no policy-rc.d guards this session')
      expect(sha(target)).toBe(before)
      expect(lstatSync(policy).isSymbolicLink()).toBe(true)
      expect(grepTree(w.tftp, secret)).toEqual([])
    })
  }
})
