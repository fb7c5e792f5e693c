/**
 * Fault injection for the crash-consistency tests: SIDUS_FAULT=<op>:<step> stops the
 * process at that step of that operation — killed outright (SIGKILL, like a power cut)
 * unless SIDUS_FAULT_ACTION=throw, which throws instead (in-process tests).
 * Read only by the master transition code path.
 */
export class InjectedFault extends Error {}

export function faultPoint(op: string, step: string): void {
  if (process.env.SIDUS_FAULT !== `${op}:${step}`) return
  if (process.env.SIDUS_FAULT_ACTION === 'throw') throw new InjectedFault(`injected fault at ${op}:${step}`)
  process.kill(process.pid, 'SIGKILL')
}
