/**
 * The `sidus exec` command lines that bin/run.js runs without oclif (src/cli/exec-fast.ts): those
 * oclif's parser reads one way only, so that both give the same flags, errors and exit codes.
 *   exec [NAME] [--no-wait] [--staged] [--config FILE | --config=FILE] -- COMMAND…
 * in any order before `--`, each at most once. Everything else goes to oclif as before: no `--`,
 * --help, --json (and SIDUS_CONTENT_TYPE), an unknown or repeated flag, a second word, an empty
 * word, a --config value that looks like a flag; and DEBUG, whose output only oclif writes.
 * exec has no subcommands (`exec NAME` is never another command's id) and no hooks run for it.
 * This module imports nothing: bin/run.js reads it before loading either path.
 */
export interface FastExec {
  /** the command line after `exec`, as typed (the command splits it again) */
  argv: string[]
  config?: string
  noWait: boolean
  staged: boolean
}

export function fastExecArgv(argv: string[], env: NodeJS.ProcessEnv = process.env): FastExec | undefined {
  if (env.SIDUS_CONTENT_TYPE !== undefined || env.DEBUG) return undefined
  const dashdash = argv.indexOf('--')
  if (dashdash < 0) return undefined
  const parsed: FastExec = { argv, noWait: false, staged: false }
  let name = false
  for (let i = 0; i < dashdash; i++) {
    const word = argv[i]
    if (word === '--no-wait' && !parsed.noWait) parsed.noWait = true
    else if (word === '--staged' && !parsed.staged) parsed.staged = true
    else if (word === '--config' && parsed.config === undefined && i + 1 < dashdash && isValue(argv[i + 1])) parsed.config = argv[++i]
    else if (word.startsWith('--config=') && parsed.config === undefined && isValue(word.slice('--config='.length))) parsed.config = word.slice('--config='.length)
    else if (isValue(word) && !name) name = true
    else return undefined
  }
  return parsed
}

function isValue(word: string): boolean {
  return word !== '' && !word.startsWith('-')
}
