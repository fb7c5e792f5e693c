import { readTextIfExists } from '../fs.js'
import { rm } from 'node:fs/promises'
import { writeFileAtomic } from '../state/atomic.js'
import type { LabPlan } from './plan.js'

/** What `sidus lab up` started: read by boot, down and a later up after a crash. */
export interface LabRecord {
  namespace: string
  bridge: string
  tap: string
  server: string
  network: string
  nfs: 'ganesha'
  startedAt: string
  pids: { dnsmasq: number; ganesha: number }
  paths: LabPlan['paths']
  /** clients `lab boot --keep` left running (lab down stops them with the rest) */
  kept?: KeptClient[]
}

/** A QEMU client left running after its boot was checked: it reboots as a node does. */
export interface KeptClient {
  instance: string
  mac: string
  /** its inventory name, when the MAC is a node's */
  node?: string
  /** booted from the instance's stage */
  staged?: boolean
  pid: number
  tap: string
  consoleLog: string
  since: string
}

export async function readLabRecord(plan: LabPlan): Promise<LabRecord | undefined> {
  const text = await readTextIfExists(plan.paths.stateFile)
  return text === undefined ? undefined : JSON.parse(text) as LabRecord
}

export async function writeLabRecord(plan: LabPlan, record: LabRecord): Promise<void> {
  await writeFileAtomic(plan.paths.stateFile, `${JSON.stringify(record, null, 2)}\n`)
}

export async function removeLabRecord(plan: LabPlan): Promise<void> {
  await rm(plan.paths.stateFile, { force: true })
}
