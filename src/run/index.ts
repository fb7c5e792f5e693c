export * from './runner.js'
export { LocalRunner, CommandFailedError } from './local.js'
export { requireProgram, HOST_PACKAGES } from './programs.js'
export { SshRunner, shellQuote } from './ssh.js'
