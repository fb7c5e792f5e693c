/**
 * A command sent over SSH is one string the remote login shell parses: each argv word is
 * quoted so that it reaches the remote program as exactly that word (spaces, quotes, $, ;).
 */
export function shellQuote(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/** argv → the command string a POSIX shell splits back into the same words. */
export function shellJoin(argv: string[]): string {
  return argv.map(shellQuote).join(' ')
}
