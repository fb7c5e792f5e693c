import type { Ctx } from '../context.js'
import { LAB_IPV6_SERVER, type LabPlan } from './plan.js'

/**
 * The lab's network: a namespace of its own holding a bridge with the lab's address and
 * one tap for QEMU. No veth to the host and no default route: nothing leaves it.
 */
export async function createNetwork(ctx: Ctx, plan: LabPlan): Promise<void> {
  const ip = (...args: string[]) => ctx.runner.run(['ip', '-n', plan.namespace, ...args], { signal: ctx.signal })
  await ctx.runner.run(['ip', 'netns', 'add', plan.namespace], { signal: ctx.signal })
  await ip('link', 'set', 'lo', 'up')
  await ip('link', 'add', plan.bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0')
  await ip('addr', 'add', `${plan.server}/${plan.prefix}`, 'dev', plan.bridge)
  // dnsmasq's router advertisements go out from here (no DAD: nothing else on the bridge can hold it)
  await ip('-6', 'addr', 'add', `${LAB_IPV6_SERVER}/64`, 'dev', plan.bridge, 'nodad')
  await ip('link', 'set', plan.bridge, 'up')
  await addTap(ctx, plan, plan.tap)
}

/** A tap on the lab's bridge: QEMU holds a tap alone, so each kept client gets one of its own. */
export async function addTap(ctx: Ctx, plan: LabPlan, tap: string): Promise<void> {
  const ip = (...args: string[]) => ctx.runner.run(['ip', '-n', plan.namespace, ...args], { signal: ctx.signal })
  await ip('tuntap', 'add', 'dev', tap, 'mode', 'tap')
  await ip('link', 'set', tap, 'master', plan.bridge)
  await ip('link', 'set', tap, 'up')
}

export async function deleteTap(ctx: Ctx, plan: LabPlan, tap: string): Promise<void> {
  await ctx.runner.run(['ip', '-n', plan.namespace, 'link', 'delete', tap], { reject: false })
}

export async function namespaceExists(ctx: Ctx, name: string): Promise<boolean> {
  const r = await ctx.runner.run(['ip', 'netns', 'list'], { signal: ctx.signal })
  return r.stdout.split('\n').some((line) => line.split(/\s+/)[0] === name)
}

/** Pids of every process whose network namespace is the lab's (all of them ours). */
export async function namespacePids(ctx: Ctx, name: string): Promise<number[]> {
  const r = await ctx.runner.run(['ip', 'netns', 'pids', name], { reject: false })
  if (r.exitCode !== 0) return []
  return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 1)
}

export async function deleteNamespace(ctx: Ctx, name: string): Promise<void> {
  // the tap and the bridge live and die with the namespace
  await ctx.runner.run(['ip', 'netns', 'delete', name])
}

/** Bytes the lab's side sent to clients through a tap (TFTP, NFS and DHCP together). */
export async function tapTxBytes(ctx: Ctx, plan: LabPlan, tap = plan.tap): Promise<number | undefined> {
  const r = await ctx.runner.run(['ip', '-n', plan.namespace, '-s', '-j', 'link', 'show', tap], { reject: false })
  if (r.exitCode !== 0) return undefined
  const parsed = JSON.parse(r.stdout) as { stats64?: { tx?: { bytes?: number } } }[]
  return parsed[0]?.stats64?.tx?.bytes
}
