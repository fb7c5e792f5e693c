/**
 * Kernel arguments from the config (boot.extra_args, boot.console, instances.<name>.extra_args)
 * go verbatim into three menus. pxelinux and GRUB (in its quoted form) take them literally; iPXE's
 * script parser does not: it expands ${…} settings anywhere, and a word `&&`, `||` or `;` ends
 * the kernel command there, a word starting with # starts a comment. iPXE has no escape for
 * these, so they are refused: what the admin wrote is what every client gets, or nothing.
 */
export function ipxeHazard(args: string): string | undefined {
  if (args.includes('${')) return '"${" (iPXE expands it as a setting)'
  for (const word of args.split(/\s+/)) {
    if (word === '&&' || word === '||' || word === ';') return `the word "${word}" (iPXE runs what follows as another command)`
    if (word.startsWith('#')) return `a word starting with # ("${word}": iPXE drops the rest of the line as a comment)`
  }
  // a line break would end the kernel line of every menu
  if (/[\r\n\0]/.test(args)) return 'a line break'
  return undefined
}
