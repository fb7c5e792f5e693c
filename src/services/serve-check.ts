import { request } from 'node:http'
import type { Ctx } from '../context.js'
import { IPXE_SCRIPT } from '../domain/tftp.js'
import { SERVE_UNIT } from './serve-unit.js'
import { pathExists } from '../fs.js'

/** systemd's own mark that it is PID 1 (sd_booted) */
const SYSTEMD_RUNNING = '/run/systemd/system'

/** One line of doctor's report on sidus serve. */
export interface ServeFinding { check: 'services' | 'listening'; level: 'ok' | 'error' | 'warning'; message: string; fix?: string }

/**
 * boot.loader ipxe-http: the sidus-serve unit is active and the server answers a HEAD
 * of /sidus.ipxe on server.address:port. The HEAD is sent only when that address is
 * this machine's (`local`): doctor never sends a packet elsewhere.
 */
export async function checkServe(ctx: Ctx, address: string, port: number, local: boolean): Promise<ServeFinding[]> {
  const out: ServeFinding[] = []
  const fix = `systemctl restart ${SERVE_UNIT}; see journalctl -u ${SERVE_UNIT}`
  if (!(await pathExists(SYSTEMD_RUNNING))) {
    out.push({ check: 'services', level: 'warning', message: `systemd is not running here: cannot tell whether ${SERVE_UNIT} is active`, fix: `start sidus serve by hand (sidus serve --address ${address} --port ${port})` })
  } else {
    const r = await ctx.runner.run(['systemctl', 'is-active', SERVE_UNIT], { reject: false, timeoutMs: 15_000 })
    const state = r.stdout.trim() || 'unknown'
    out.push(state === 'active'
      ? { check: 'services', level: 'ok', message: `HTTP boot (${SERVE_UNIT}) is running` }
      : { check: 'services', level: 'error', message: `HTTP boot (${SERVE_UNIT}) is ${state}: iPXE cannot fetch its script`, fix: `sidus server apply; ${fix}` })
  }
  if (!local) return out
  const url = `http://${address}:${port}/${IPXE_SCRIPT}`
  const status = await headStatus(address, port, `/${IPXE_SCRIPT}`)
  if (status === 200) out.push({ check: 'listening', level: 'ok', message: `${url} answers (HTTP boot)` })
  else out.push({ check: 'listening', level: 'error', message: `${url} ${typeof status === 'number' ? `answers ${status}` : `does not answer (${status})`}`, fix: status === 404 ? 'sidus publish' : fix })
  return out
}

/** The status of a HEAD request, or why there is none. */
export function headStatus(host: string, port: number, urlPath: string, timeoutMs = 5000): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: urlPath, method: 'HEAD', timeout: timeoutMs, agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 'no status')
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    req.end()
  })
}
