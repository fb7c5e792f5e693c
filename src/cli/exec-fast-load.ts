import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadWithCodeCache } from './code-cache.js'
import type { FastExec } from './exec-fast-argv.js'

/**
 * bin/run.js's way into exec's fast path (src/cli/exec-fast.ts): built as bundle/cli/exec-fast-load.js,
 * it runs bundle/exec-fast.cjs, the fast path and all it imports in one CommonJS file (scripts/bundle),
 * through V8's code cache (src/cli/code-cache.ts). The cache is written after a run that ends here,
 * when it was missing or stale; a run that fails has left through process.exit already.
 */
export async function runFastExec(parsed: FastExec): Promise<void> {
  const bundle = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'exec-fast.cjs')
  const loaded = loadWithCodeCache<{ runFastExec(parsed: FastExec): Promise<void> }>(bundle)
  await loaded.exports.runFastExec(parsed)
  await loaded.saveCache()
}
