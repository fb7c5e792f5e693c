/**
 * sidus owns SIGINT/SIGTERM: the first one aborts the current operation (core code
 * tears down and throws CancelledError); further ones only say teardown is running.
 */
export interface CancelScope { signal: AbortSignal; received(): NodeJS.Signals | undefined; dispose(): void }

export function installCancelScope(onSignal?: (sig: NodeJS.Signals) => void): CancelScope {
  const controller = new AbortController()
  let got: NodeJS.Signals | undefined
  const handler = (sig: NodeJS.Signals) => {
    if (got) {
      process.stderr.write(`sidus: ${sig} again: still tearing down, please wait\n`)
      return
    }
    got = sig
    onSignal?.(sig)
    controller.abort(sig)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  process.on('SIGHUP', handler)
  return {
    signal: controller.signal,
    received: () => got,
    dispose: () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
      process.off('SIGHUP', handler)
    },
  }
}
