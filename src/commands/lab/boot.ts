import { Args, Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { resolveInstance } from '../../instances/current.js'
import { BOOT_MODES } from '../../config/schema.js'
import { DEFAULT_BOOT_TIMEOUT, labBoot, type LabBootResult } from '../../lab/index.js'
import { renderBootResult } from '../../lab/report.js'

export default class LabBoot extends SidusCommand<typeof LabBoot> {
  static override description = 'PXE-boot a QEMU client of an instance in the lab and check, from inside it, that it booted the SIDUS way'
  static override examples = [
    '<%= config.bin %> lab boot bookworm64',
    '<%= config.bin %> lab boot bookworm64 --uefi',
    '<%= config.bin %> lab boot bookworm64 --tftp',
    '<%= config.bin %> lab boot bookworm64 --mac 52:54:00:aa:bb:cc --mode rw --json',
    '<%= config.bin %> lab boot bookworm64 --mac 52:54:00:aa:bb:cc --keep',
    '<%= config.bin %> lab boot bookworm64 --staged',
    '<%= config.bin %> lab boot bookworm64 --mac 52:54:00:00:00:07 --once rescue   # the node, once into emergency.target',
  ]
  static override args = { name: Args.string({ description: 'instance name (default: SIDUS_INSTANCE, default_instance, or the only instance)' }) }
  static override flags = {
    mac: Flags.string({ description: 'the client\'s MAC (the master\'s MAC boots read-write)' }),
    uefi: Flags.boolean({ description: 'boot with OVMF through the EFI loader', default: false }),
    mode: Flags.option({ description: 'overlay, aufs or rw (default: rw for the master, else boot.default_mode)', options: BOOT_MODES })(),
    timeout: Flags.integer({ description: 'seconds to wait for the client', default: DEFAULT_BOOT_TIMEOUT, min: 10 }),
    tftp: Flags.boolean({ description: 'boot everything over TFTP (boot.loader pxelinux) instead of iPXE over HTTP from sidus serve', default: false }),
    keep: Flags.boolean({ description: 'leave the client running after its checks passed (it reboots through the lab like a node; lab run talks to it, lab down stops it)', default: false }),
    staged: Flags.boolean({ description: 'boot the instance\'s stage (sidus stage NAME) instead of its live root', default: false }),
    once: Flags.string({ description: 'rescue: a one-shot boot of the node of --mac (as sidus node boot --once, in the lab\'s state), checked from inside: emergency.target, a root shell' }),
    initrd: Flags.file({ description: 'boot this initrd instead of the published one (in the lab only: try an image before publishing it)', exists: true }),
  }
  static override needsRoot = true

  async run(): Promise<LabBootResult> {
    const f = this.flags
    const r = await labBoot(this.ctx, (await resolveInstance(this.sidus, this.args.name)).name, { mac: f.mac, uefi: f.uefi, mode: f.mode, timeoutSeconds: f.timeout, initrd: f.initrd, loader: f.tftp ? 'pxelinux' : 'ipxe-http', keep: f.keep, staged: f.staged, once: f.once })
    if (!this.jsonEnabled()) {
      this.log(renderBootResult(r))
      if (r.kept) this.log(`kept running (QEMU pid ${r.kept.pid}, tap ${r.kept.tap}): sidus lab run -- node status talks to it, sidus lab down stops it`)
      else if (f.keep) this.log('not kept: a client whose checks failed is stopped')
    }
    // a failed check is a result, not an error: the report (or JSON) is printed, the exit code says it
    if (!r.ok) process.exitCode = 1
    return r
  }
}
