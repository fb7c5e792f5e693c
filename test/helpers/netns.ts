import { execa, type ResultPromise } from 'execa'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'

/**
 * A network namespace of the test's own, with one bridge carrying the server's
 * address and no route out (no veth to the host), plus a private mount namespace
 * (own tmpfs /run and /var/lib/nfs) so rpcbind's /run/rpcbind.sock and ganesha's state
 * never meet the host's. Programs started with spawn() run in both.
 */
export class TestNetns {
  readonly name = `sidus-t7-${randomBytes(3).toString('hex')}`
  readonly mntDir: string
  readonly mntFile: string
  private children: { child: ResultPromise; argv: string[] }[] = []
  private bound = false
  private created = false

  constructor(readonly dir: string, readonly bridge: string, readonly cidrAddress: string) {
    this.mntDir = path.join(dir, 'mntns')
    this.mntFile = path.join(this.mntDir, 'mnt')
  }

  get address(): string { return this.cidrAddress.split('/')[0] }

  async up(): Promise<void> {
    await execa('ip', ['netns', 'add', this.name])
    this.created = true
    const ip = (...args: string[]) => execa('ip', ['-n', this.name, ...args])
    await ip('link', 'set', 'lo', 'up')
    await ip('link', 'add', this.bridge, 'type', 'bridge')
    await ip('addr', 'add', this.cidrAddress, 'dev', this.bridge)
    await ip('link', 'set', this.bridge, 'up')
    // a persistent mount namespace: the file that holds it must sit on a private mount
    mkdirSync(this.mntDir, { recursive: true })
    await execa('mount', ['--bind', this.mntDir, this.mntDir])
    this.bound = true
    await execa('mount', ['--make-private', this.mntDir])
    writeFileSync(this.mntFile, '')
    await execa('unshare', [`--mount=${this.mntFile}`, '--propagation', 'private', 'mount', '-t', 'tmpfs', '-o', 'mode=755', 'sidus-test-run', '/run'])
    await this.exec(['mount', '-t', 'tmpfs', '-o', 'mode=755', 'sidus-test-nfs', '/var/lib/nfs'])
  }

  /**
   * A client namespace plugged into the bridge by a veth pair whose client end has `mac`
   * (one pair per client identity: a MAC is never changed under a running bridge).
   */
  async addClient(client: string, link: string, mac: string): Promise<void> {
    if (!this.clients.includes(client)) {
      await execa('ip', ['netns', 'add', client])
      this.clients.push(client)
      await execa('ip', ['-n', client, 'link', 'set', 'lo', 'up'])
    }
    const ip = (...args: string[]) => execa('ip', ['-n', this.name, ...args])
    await ip('link', 'add', `${link}s`, 'type', 'veth', 'peer', 'name', link)
    await ip('link', 'set', link, 'netns', client)
    await ip('link', 'set', `${link}s`, 'master', this.bridge)
    await ip('link', 'set', `${link}s`, 'up')
    await execa('ip', ['-n', client, 'link', 'set', link, 'address', mac])
    await execa('ip', ['-n', client, 'link', 'set', link, 'up'])
  }

  private clients: string[] = []

  /** nsenter argv prefix: this netns and the private mount namespace */
  enter(argv: string[]): string[] {
    return ['nsenter', `--net=/run/netns/${this.name}`, `--mount=${this.mntFile}`, ...argv]
  }

  exec(argv: string[], opts: { reject?: boolean; env?: Record<string, string> } = {}) {
    const [file, ...args] = this.enter(argv)
    return execa(file, args, { reject: opts.reject ?? true, env: opts.env, all: true })
  }

  /** start a long-running program in the namespaces, output to `log` */
  spawn(argv: string[], log: string): ResultPromise {
    const [file, ...args] = this.enter(argv)
    const child = execa(file, args, { reject: false, stdout: { file: log }, stderr: { file: log } })
    this.children.push({ child, argv })
    return child
  }

  /** the ns's sockets (tcp/udp, listening) as `ss` sees them */
  async listening(): Promise<string> {
    return (await execa('ip', ['netns', 'exec', this.name, 'ss', '-Hlntu'])).stdout
  }

  async waitFor(test: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs
    while (Date.now() < end) {
      if (await test()) return
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(`timed out waiting for ${what}`)
  }

  /** wait until a program's log file (written as it runs) holds `text` */
  async waitForLine(file: string, text: string, what: string, timeoutMs = 30_000): Promise<void> {
    await this.waitFor(async () => (await readFile(file, 'utf8').catch(() => '')).includes(text), what, timeoutMs)
  }

  /** stop one program (SIGTERM, then SIGKILL) and wait for it */
  async stop(child: ResultPromise): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await child
      clearTimeout(timer)
    }
    this.children = this.children.filter((c) => c.child !== child)
  }

  /** everything this namespace started, then the namespaces themselves */
  async down(): Promise<void> {
    for (const { child } of [...this.children].reverse()) await this.stop(child)
    if (this.bound) {
      await execa('umount', [this.mntFile], { reject: false })
      await execa('umount', [this.mntDir], { reject: false })
      this.bound = false
    }
    for (const client of this.clients) await execa('ip', ['netns', 'del', client], { reject: false })
    this.clients = []
    if (this.created) {
      await execa('ip', ['netns', 'del', this.name], { reject: false })
      this.created = false
    }
  }
}

export function writeText(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}
