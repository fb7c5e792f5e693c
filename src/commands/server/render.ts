import { Flags } from '@oclif/core'
import { SidusCommand } from '../../base-command.js'
import { renderServerFiles, type RenderedFile } from '../../services/render.js'

export default class ServerRender extends SidusCommand<typeof ServerRender> {
  static override description = 'Print (or write under --out) every NFS, DHCP and TFTP config file sidus manages, without touching the system'
  static override examples = ['<%= config.bin %> server render', '<%= config.bin %> server render --out /tmp/sidus-render']
  static override flags = {
    out: Flags.string({ description: 'write the files under this directory, at their server paths (etc/…)' }),
  }

  async run(): Promise<{ files: RenderedFile[] }> {
    const { out } = this.flags
    const files = await renderServerFiles(this.ctx, { out })
    if (!this.jsonEnabled()) {
      for (const f of files) {
        if (out) this.log(`${f.status} ${f.written}`)
        else this.log(`==> ${f.path} (${f.service}) <==\n${f.content}`)
      }
    }
    return { files }
  }
}
