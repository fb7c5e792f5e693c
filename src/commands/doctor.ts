import { Flags } from '@oclif/core'
import { SidusCommand } from '../base-command.js'
import { runDoctor, type DoctorReport } from '../services/doctor.js'

export default class Doctor extends SidusCommand<typeof Doctor> {
  static override description = 'Check this boot server: packages, services running and listening, TFTP tree readable, exports visible, config and state in agreement'
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json']
  static override flags = {
    root: Flags.string({ description: 'read the service files under this directory (as `server apply --root`)' }),
  }

  async run(): Promise<DoctorReport> {
    const { root } = this.flags
    const report = await runDoctor(this.ctx, { root })
    if (!this.jsonEnabled()) {
      const mark = { ok: 'ok  ', warning: 'warn', error: 'FAIL' } as const
      for (const f of report.findings) {
        this.log(`${mark[f.level]} ${f.check.padEnd(9)} ${f.message}`)
        if (f.fix && f.level !== 'ok') this.log(`     ${''.padEnd(9)} fix: ${f.fix}`)
      }
      if (report.install) this.log(`\nmissing packages: ${report.install}`)
      this.log(report.ok ? '\nno problems found' : `\n${report.findings.filter((f) => f.level === 'error').length} problem(s) found`)
    }
    // the report is the result (also under --json); the exit status says whether it is clean
    if (!report.ok) process.exitCode = 1
    return report
  }
}
