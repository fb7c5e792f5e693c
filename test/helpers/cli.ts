import { execa, type ResultPromise } from 'execa'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(REPO, 'bin/run.js')

/** Run the real CLI; never throws on a non-zero exit so tests can assert on it. */
export function sidus(args: string[], options: { env?: Record<string, string>; input?: string; timeout?: number } = {}) {
  return execa('node', [BIN, ...args], {
    env: { ...options.env, NO_COLOR: '1' },
    input: options.input,
    reject: false,
    timeout: options.timeout ?? 600_000,
    all: true,
  })
}

/** Start the CLI without waiting: for signal and concurrency tests. */
export function sidusSpawn(args: string[], options: { env?: Record<string, string> } = {}): ResultPromise {
  return execa('node', [BIN, ...args], { env: { ...options.env, NO_COLOR: '1' }, reject: false, all: true })
}
