import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { createInstance, type CreateResult } from '../bootstrap/create.js'
import { defaultRootSteps } from '../bootstrap/default-steps.js'
import { formatBytes } from '../ui/format.js'

export default class Create extends SidusCommand<typeof Create> {
  static override description = 'Build a Debian root for diskless clients under paths.roots'
  static override examples = [
    '<%= config.bin %> create bookworm64',
    '<%= config.bin %> create stretch32 --profile node --components main,contrib,non-free',
    '<%= config.bin %> create lab --suite bookworm --arch amd64 --include htop --ssh-key ~/.ssh/id_ed25519.pub',
  ]
  static override needsRoot = true
  static override args = {
    name: Args.string({ required: true, description: 'instance name: <suite>64 (amd64) or <suite>32 (i386), or any name with --suite' }),
  }
  static override flags = {
    suite: Flags.string({ description: 'Debian suite (default: from the name)' }),
    arch: Flags.string({ description: 'architecture (default: 64 → amd64, 32 → i386)' }),
    mirror: Flags.string({ description: 'Debian mirror URL (default: config, else the server\'s apt sources)' }),
    components: Flags.string({ description: 'archive components, comma-separated', default: 'main' }),
    include: Flags.string({ description: 'extra packages, comma-separated', multiple: true }),
    exclude: Flags.string({ description: 'packages to keep out, comma-separated', multiple: true }),
    profile: Flags.string({ description: 'package set: minimal or node', default: 'minimal' }),
    bootstrapper: Flags.string({ description: 'mmdebstrap (default when installed) or debootstrap', options: ['mmdebstrap', 'debootstrap'] }),
    'ssh-key': Flags.file({ description: 'public key file for root\'s authorized_keys' }),
    'root-password-file': Flags.file({ description: 'file whose first line is root\'s password (default: locked)' }),
  }

  async run(): Promise<CreateResult> {
    const flags = this.flags
    const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)
    const result = await createInstance(this.ctx, this.args.name, {
      suite: flags.suite,
      arch: flags.arch,
      mirror: flags.mirror,
      components: list(flags.components),
      include: list(flags.include),
      exclude: list(flags.exclude),
      profile: flags.profile,
      bootstrapper: flags.bootstrapper,
      sshKeyFile: flags['ssh-key'],
      rootPasswordFile: flags['root-password-file'],
    }, defaultRootSteps, (steps) => this.drawSteps(steps))
    this.log(`created ${result.name} (${result.suite}/${result.arch}, profile ${result.profile}) at ${result.root} in ${result.seconds} s`)
    this.log(`downloaded ${formatBytes(result.downloadedBytes)} (package cache held ${formatBytes(result.cachedBytes)} before)`)
    for (const i of result.initrds) this.log(`initrd ${i.path} ${formatBytes(i.bytes)}`)
    return result
  }
}
