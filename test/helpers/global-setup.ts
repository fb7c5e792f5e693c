import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/**
 * Tests that run the CLI use bin/run.js, which loads bundle/ (esbuild over tsc's dist/): build it once.
 * Type errors are the typecheck step's business (scripts/test runs it); tsc still
 * emits on them, so only a missing build fails here.
 */
export default function setup(): void {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' })
  if (r.status !== 0) process.stderr.write(`tsc reported errors (the typecheck step will fail):\n${r.stdout.split('\n').slice(0, 10).join('\n')}\n`)
  if (!existsSync('dist/commands')) throw new Error('the build produced no dist/commands')
  const b = spawnSync('scripts/bundle', [], { encoding: 'utf8' })
  if (b.status !== 0) throw new Error(`scripts/bundle failed: ${b.stderr}`)
  // the manifest lets oclif load only the command it runs (CLI start-up ~0.5 s → ~0.15 s)
  const m = spawnSync('npx', ['oclif', 'manifest'], { encoding: 'utf8' })
  if (m.status !== 0) throw new Error(`oclif manifest failed: ${m.stderr}`)
}
