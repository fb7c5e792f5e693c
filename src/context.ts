import type { SidusConfig } from './config/schema.js'
import type { Runner } from './run/runner.js'

/** What every core function gets: the admin's config, the gateway, a cancel signal, a log sink. */
export interface Ctx {
  config: SidusConfig
  runner: Runner
  signal?: AbortSignal
  /** progress/info lines (stderr in the CLI, collected in tests) */
  log?: (line: string) => void
}
