export { runInRoot, isLocked, type SessionOptions, type LockState } from './session.js'
export { shellInRoot } from './shell.js'
