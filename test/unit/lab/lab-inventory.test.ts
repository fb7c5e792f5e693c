import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import YAML from 'yaml'
import { mastersOf } from '../../../src/inventory/masters.js'
import { parseInventory } from '../../../src/inventory/file.js'
import { syncLabNodes } from '../../../src/lab/lab.js'
import { labConfig, labNodesFile, labPlan } from '../../../src/lab/plan.js'
import { tempCtx } from '../../helpers/config.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

function world() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-lab-inv-'))
  dirs.push(dir)
  const ctx = tempCtx(dir, ['bookworm64', 'trixie64'])
  writeFileSync(path.join(dir, 'nodes.yaml'), [
    'nodes:',
    '  admin: {mac: "52:54:00:00:00:fe", ip: 10.20.17.253, instance: bookworm64, mode: rw}',
    '  n001: {mac: "52:54:00:00:00:01", ip: 10.20.17.11, instance: trixie64}',
    '',
  ].join('\n'))
  const plan = labPlan(ctx.config)
  const lab = () => {
    const text = readFileSync(labNodesFile(plan), 'utf8')
    return { raw: YAML.parse(text) as { nodes: Record<string, Record<string, string>> }, inventory: parseInventory(labConfig(ctx.config, plan), text, labNodesFile(plan)) }
  }
  return { ctx, plan, lab }
}

describe("the lab's copy of the inventory", () => {
  it('keeps names, MACs, instances and modes; drops the fleet addresses but the masters\', moved into the lab network', async () => {
    const { ctx, plan, lab } = world()
    await syncLabNodes(ctx, plan)
    const { raw, inventory } = lab()
    expect(raw.nodes.n001).toEqual({ mac: '52:54:00:00:00:01', instance: 'trixie64' })
    const masters = mastersOf(inventory)
    expect(Object.keys(masters)).toEqual(['bookworm64'])
    expect(masters.bookworm64).toMatchObject({ mac: '52:54:00:00:00:fe', node: 'admin' })
    // the same host number, in the lab's network
    expect(masters.bookworm64.ip).toBe(`${plan.network.split('.').slice(0, 3).join('.')}.253`)
  })

  it('lab boot --mode rw of another MAC makes it the master in the lab only: the fleet\'s master boots like the others there', async () => {
    const { ctx, plan, lab } = world()
    const before = readFileSync(path.join(path.dirname(ctx.config.source!), 'nodes.yaml'), 'utf8')
    await syncLabNodes(ctx, plan, { instance: 'bookworm64', mac: '52:54:00:12:34:56' })
    const { raw, inventory } = lab()
    expect(mastersOf(inventory).bookworm64).toMatchObject({ mac: '52:54:00:12:34:56', node: 'lab-rw-525400123456' })
    expect(raw.nodes.admin.mode).toBeUndefined()
    expect(readFileSync(path.join(path.dirname(ctx.config.source!), 'nodes.yaml'), 'utf8')).toBe(before)
  })
})
