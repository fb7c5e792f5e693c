import { readFile } from 'node:fs/promises'
import { stringify } from 'yaml'
import { parseConfig } from '../config/load.js'
import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { ExternalError } from '../errors.js'
import { THIS_SIDUS } from '../services/serve-unit.js'
import { writeIfChanged } from '../state/atomic.js'
import type { LabPlan } from './plan.js'
import { readPid, stopPids, waitFor } from './process.js'

/**
 * sidus serve in the lab: this sidus, with the lab's config (written as YAML: serve reads a
 * config file), listening on the lab's address inside its namespace. The lab's config
 * changes with every boot (its nonce is on the kernel line), so every HTTP boot restarts it.
 */
export async function startLabServe(ctx: Ctx, plan: LabPlan, lab: SidusConfig): Promise<number> {
  const p = plan.paths
  await writeConfigFile(p.serveConf, lab)
  const old = await readPid(p.servePid)
  if (old) await stopPids([old])
  const logStart = (await readFile(p.serveLog, 'utf8').catch(() => '')).length
  // start-stop-daemon: detached, its pid file and output ours (serve stays in the foreground)
  await ctx.runner.run(['ip', 'netns', 'exec', plan.namespace, 'start-stop-daemon', '--start', '--background', '--make-pidfile', '--pidfile', p.servePid,
    '--output', p.serveLog, '--exec', THIS_SIDUS.node, '--', THIS_SIDUS.sidus, 'serve', '--config', p.serveConf, '--address', plan.server, '--port', String(lab.http.port)], { signal: ctx.signal })
  const up = await waitFor(async () => ((await readFile(p.serveLog, 'utf8').catch(() => '')).slice(logStart).includes('listening on') ? true : undefined), 20_000)
  const pid = await readPid(p.servePid)
  if (!up || !pid) throw new ExternalError('sidus serve did not start in the lab', { suggestion: `see ${p.serveLog}` })
  return pid
}

/** A config as the YAML file a sidus started by the lab reads (checked as that sidus will read it). */
export async function writeConfigFile(file: string, config: SidusConfig): Promise<void> {
  const { source: _source, ...rest } = config
  const yaml = stringify(rest)
  parseConfig(yaml, file)
  await writeIfChanged(file, yaml, 0o600)
}

/** What sidus serve sent `ip`, from its boot log (JSON lines): the paths fetched and the body bytes. */
export function httpSent(bootLog: string, ip: string): { files: string[]; bytes: number } {
  const files: string[] = []
  let bytes = 0
  for (const line of bootLog.split('\n')) {
    if (!line.trim()) continue
    let e: { remote?: string; what?: string; status?: number; bytes?: number }
    try { e = JSON.parse(line) } catch { continue }
    if (e.remote !== ip && e.remote !== `::ffff:${ip}`) continue
    bytes += e.bytes ?? 0
    if ((e.status === 200 || e.status === 206) && e.what) files.push(safeDecode(e.what.split('?')[0]))
  }
  return { files, bytes }
}

const safeDecode = (s: string) => { try { return decodeURIComponent(s) } catch { return s } }
