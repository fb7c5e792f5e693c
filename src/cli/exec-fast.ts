import { execInInstance } from '../chroot/exec.js'
import { loadConfig } from '../config/load.js'
import type { Ctx } from '../context.js'
import { LocalRunner } from '../run/local.js'
import { installCancelScope, type CancelScope } from '../signals.js'
import type { FastExec } from './exec-fast-argv.js'
import { reportError, requireRootUser } from './report-error.js'

/**
 * `sidus exec` without loading oclif (about half of exec's start-up), for the command lines
 * src/cli/exec-fast-argv.ts accepts. The same steps as the oclif command (src/commands/exec.ts
 * through SidusCommand): the root check, the config, the cancel scope, execInInstance, and on an
 * error the same report and exit code (oclif's handler ends the process with process.exit too).
 */
export async function runFastExec(parsed: FastExec): Promise<void> {
  let cancel: CancelScope | undefined
  try {
    requireRootUser('exec', parsed.argv)
    const config = loadConfig(parsed.config)
    cancel = installCancelScope()
    const ctx: Ctx = { config, runner: new LocalRunner(), signal: cancel.signal, log: (line) => process.stderr.write(`${line}\n`) }
    const r = await execInInstance(ctx, parsed.argv, { noWait: parsed.noWait, staged: parsed.staged })
    process.exitCode = r.exitCode
  } catch (error) {
    const exitCode = reportError(error as Error, { id: 'exec', json: false, cancelled: cancel?.received() })
    cancel?.dispose()
    process.exit(exitCode)
  }
  cancel.dispose()
}
