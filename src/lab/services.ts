import { readFile } from 'node:fs/promises'
import { assetPath } from '../assets.js'
import type { SidusConfig } from '../config/schema.js'
import type { Ctx } from '../context.js'
import { ExternalError } from '../errors.js'
import { loadServerModel, renderDnsmasq, renderGanesha, renderTemplate } from '../services/index.js'
import type { ServerModel } from '../services/model.js'
import { writeIfChanged } from '../state/atomic.js'
import { LAB_IPV6_PREFIX, type LabPlan } from './plan.js'
import { readPid, stopPids, waitFor } from './process.js'

/** Export_Id of the lab's probe export (1 is /home, roots take 100 and up). */
export const PROBE_EXPORT_ID = 2

/**
 * The lab's dnsmasq and ganesha configs, from the same renderers as `sidus server`,
 * with the lab's network, its own TFTP tree, and the probe export. Returns which changed.
 */
export async function writeServiceConfigs(ctx: Ctx, plan: LabPlan, lab: SidusConfig, opts: { stage?: string } = {}): Promise<{ dnsmasq: boolean; ganesha: boolean }> {
  const model = await loadServerModel({ ...ctx, config: lab })
  const p = plan.paths
  const dnsmasq = renderDnsmasq(model, {
    mode: 'dnsmasq',
    tftp: true,
    interface: plan.bridge,
    dns: false,
    extra: [
      '# sidus lab: its own leases, log and pid, nothing under /var or /run of the host',
      `dhcp-leasefile=${p.leases}`,
      `log-facility=${p.dnsmasqLog}`,
      `pid-file=${p.dnsmasqPid}`,
      'dhcp-authoritative',
      // the lab's tree lives under paths.state, which may be private to root (0700); this
      // dnsmasq answers only inside the lab's namespace
      'user=root',
      // iPXE waits ~13 s for an IPv6 router before it boots on a network without one: an
      // advertisement of the lab's own prefix without DHCPv6 (ra-only: M=O=0) and with a router
      // lifetime of 0 (no default route) ends the wait at once
      'enable-ra',
      `dhcp-range=${LAB_IPV6_PREFIX},ra-only,64`,
      `ra-param=${plan.bridge},60,0`,
    ],
  })
  return {
    dnsmasq: (await writeIfChanged(p.dnsmasqConf, dnsmasq)) !== 'unchanged',
    ganesha: (await writeIfChanged(p.ganeshaConf, await labGanesha(plan, model, opts.stage))) !== 'unchanged',
  }
}

/** The lab's ganesha.conf: the roots and kept generations as `sidus server` renders them, a staged boot's root read-only, the probe export. */
async function labGanesha(plan: LabPlan, model: ServerModel, stage?: string): Promise<string> {
  const probe = renderTemplate(await readFile(assetPath('lab/ganesha-probe.conf.tmpl'), 'utf8'), {
    id: PROBE_EXPORT_ID, path: plan.paths.probe, network: plan.network,
  }, 'ganesha-probe.conf.tmpl')
  const exported = stage ? { ...model, generations: [...(model.generations ?? []), stage] } : model
  return renderGanesha(exported, { bindAddress: plan.server, graceless: true, recoveryRoot: plan.paths.ganeshaRecovery }) + probe
}

export async function startDnsmasq(ctx: Ctx, plan: LabPlan): Promise<number> {
  // dnsmasq detaches once its sockets are bound and writes its pid file
  await ctx.runner.run(['ip', 'netns', 'exec', plan.namespace, 'dnsmasq', `--conf-file=${plan.paths.dnsmasqConf}`], { signal: ctx.signal })
  const pid = await waitFor(() => readPid(plan.paths.dnsmasqPid), 10_000)
  if (!pid) throw new ExternalError(`dnsmasq did not start in the lab (no pid in ${plan.paths.dnsmasqPid})`, { suggestion: `see ${plan.paths.dnsmasqLog}` })
  return pid
}

/**
 * rpcbind + ganesha in a private mount namespace with its own /run (so rpcbind's socket
 * never meets the host's), inside the lab's network namespace. Waits until MOUNT is
 * registered: then clients can mount.
 */
export async function startNfs(ctx: Ctx, plan: LabPlan): Promise<number> {
  const p = plan.paths
  await ctx.runner.run([
    'ip', 'netns', 'exec', plan.namespace, 'unshare', '--mount', '--propagation', 'private',
    assetPath('lab/serve-nfs.sh'), p.ganeshaConf, p.ganeshaLog, p.ganeshaPid, p.rpcbindPid,
  ], { signal: ctx.signal })
  const ready = await waitFor(async () => {
    const r = await ctx.runner.run(['ip', 'netns', 'exec', plan.namespace, 'rpcinfo', '-p', plan.server], { reject: false })
    return r.exitCode === 0 && /\s100005\s+3\s+tcp\s/.test(r.stdout) ? true : undefined
  }, 30_000)
  const pid = await readPid(p.ganeshaPid)
  if (!ready || !pid) throw new ExternalError('nfs-ganesha did not start in the lab (MOUNT not registered with rpcbind)', { suggestion: `see ${p.ganeshaLog}` })
  return pid
}

/**
 * The lab's NFS exports as the roots are now: after a promote or rollback (another directory
 * at the live path, the kept generations changed) ganesha is restarted. Returns whether it was.
 */
export async function refreshLabExports(ctx: Ctx, plan: LabPlan, lab: SidusConfig): Promise<boolean> {
  const ganesha = await labGanesha(plan, await loadServerModel({ ...ctx, config: lab }))
  if ((await writeIfChanged(plan.paths.ganeshaConf, ganesha)) === 'unchanged') return false
  await restart(ctx, plan, 'ganesha')
  return true
}

/** Restart a daemon after its config changed (dnsmasq and ganesha read theirs at start). */
export async function restart(ctx: Ctx, plan: LabPlan, which: 'dnsmasq' | 'ganesha'): Promise<number> {
  const pidFiles = which === 'dnsmasq' ? [plan.paths.dnsmasqPid] : [plan.paths.ganeshaPid, plan.paths.rpcbindPid]
  const pids: number[] = []
  for (const f of pidFiles) {
    const pid = await readPid(f)
    if (pid) pids.push(pid)
  }
  await stopPids(pids)
  return which === 'dnsmasq' ? startDnsmasq(ctx, plan) : startNfs(ctx, plan)
}
