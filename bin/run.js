#!/usr/bin/env node
// bundle/ is built by `npm run build` (tsc, then scripts/bundle): oclif's core and the commands
// in a few files, so that a command starts in about half the time.
// `sidus exec … -- COMMAND` skips oclif altogether when its command line is one oclif reads one
// way only (src/cli/exec-fast-argv.ts): an admin runs it in loops (bench/exec); anything else,
// --help included, goes through oclif. The fast path itself is one CommonJS file that V8 loads
// from its code cache (src/cli/exec-fast-load.ts).
const args = process.argv.slice(2)
const fast = args[0] === 'exec' ? (await import('../bundle/cli/exec-fast-argv.js')).fastExecArgv(args.slice(1)) : undefined
if (fast) {
  await (await import('../bundle/cli/exec-fast-load.js')).runFastExec(fast)
} else {
  const { execute } = await import('../bundle/cli/entry.js')
  await execute({ dir: import.meta.url })
}
