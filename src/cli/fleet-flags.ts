import { Flags } from '@oclif/core'

/** What every fleet command over SSH takes: how many nodes at once, how long one may take. */
export const fleetFlags = {
  parallel: Flags.integer({ description: 'at most this many nodes at once', default: 32, min: 1 }),
  timeout: Flags.integer({ description: 'seconds one node may take (connect, run, answer)', default: 10, min: 1 }),
}
