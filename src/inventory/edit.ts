import { isMap, parseDocument, type Document } from 'yaml'
import type { SidusConfig } from '../config/schema.js'
import { writeFileAtomic } from '../state/atomic.js'
import { parseInventory, type ParsedInventory } from './file.js'
import { NODE_KEYS, type NodeEntry } from './model.js'

/**
 * Changes to nodes.yaml made through the yaml Document, so the admin's comments, key
 * order and layout survive; the new text is checked whole before it replaces the file.
 */
export type NodeChange =
  | { op: 'add'; node: NodeEntry }
  | { op: 'set'; name: string; values: Partial<Record<(typeof NODE_KEYS)[number], string | null>> }
  | { op: 'rm'; name: string }

const HEADER = ' The fleet inventory of sidus: edit by hand or with `sidus node add|set|rm|import`.\n' +
  ' groups carry defaults (instance, mode, extra_args, tmpfs_size); a node\'s own value wins.'

export async function editInventory(config: SidusConfig, current: ParsedInventory, changes: NodeChange[]): Promise<ParsedInventory> {
  const doc = current.doc ?? newDocument()
  applyChanges(doc, changes)
  const text = doc.toString()
  const next = parseInventory(config, text, current.file)
  await writeFileAtomic(current.file, text, 0o644)
  return next
}

function newDocument(): Document {
  const doc = parseDocument('groups: {}\nnodes: {}\n')
  doc.commentBefore = HEADER
  return doc
}

export function applyChanges(doc: Document, changes: NodeChange[]): void {
  if (!isMap(doc.get('nodes', true))) doc.set('nodes', doc.createNode({}))
  // an empty `nodes: {}` written as flow style turns into block style once it has entries
  const nodes = doc.get('nodes', true) as { flow?: boolean }
  nodes.flow = false
  for (const change of changes) {
    if (change.op === 'add') {
      const { name, ...fields } = change.node
      const body: Record<string, string> = {}
      for (const key of NODE_KEYS) if (fields[key] !== undefined) body[key] = String(fields[key])
      doc.setIn(['nodes', name], doc.createNode(body))
    } else if (change.op === 'set') {
      for (const [key, value] of Object.entries(change.values)) {
        if (value === null) doc.deleteIn(['nodes', change.name, key])
        else if (value !== undefined) doc.setIn(['nodes', change.name, key], value)
      }
    } else {
      doc.deleteIn(['nodes', change.name])
    }
  }
}
