import { readFile } from 'node:fs/promises'
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import type { Ctx } from '../context.js'
import { NotFoundError, UsageError } from '../errors.js'
import { NODE_KEYS } from '../inventory/model.js'
import { addNodes, type NodeInput, type NodeWriteResult } from './service.js'

/**
 * `sidus node import FILE`: CSV with a header line (name,mac and any of ip, group,
 * instance, mode, extra_args, tmpfs_size) or YAML (a nodes: mapping as in nodes.yaml, or a
 * list of entries with a name). The whole file is checked before one node is written.
 */
export async function importNodes(ctx: Ctx, file: string): Promise<NodeWriteResult> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new NotFoundError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { suggestion: 'give the path of a CSV or YAML file of nodes' })
  }
  const rows = /\.ya?ml$/i.test(file) ? parseYamlNodes(text, file) : parseCsvNodes(text, file)
  if (rows.length === 0) throw new UsageError(`${file} holds no node`, { suggestion: 'one node a line after the header: name,mac[,ip,group,instance,mode]' })
  return addNodes(ctx, rows.map((r) => r.input), (i) => rows[i].where)
}

interface Row { input: NodeInput; where: string }
const FIELDS: readonly string[] = ['name', ...NODE_KEYS]

export function parseCsvNodes(text: string, file: string): Row[] {
  const lines = text.split(/\r?\n/)
  const headerAt = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
  if (headerAt < 0) return []
  const header = splitCsv(lines[headerAt]).map((h) => h.trim().toLowerCase())
  for (const h of header) {
    if (!FIELDS.includes(h)) throw new UsageError(`${file}:${headerAt + 1}: unknown column ${JSON.stringify(h)}`, { suggestion: `columns: ${FIELDS.join(', ')} (name and mac required)` })
  }
  for (const required of ['name', 'mac']) {
    if (!header.includes(required)) throw new UsageError(`${file}:${headerAt + 1}: the header has no ${required} column`, { suggestion: `start the file with a header such as name,mac,ip,group` })
  }
  const rows: Row[] = []
  for (let i = headerAt + 1; i < lines.length; i++) {
    if (lines[i].trim() === '' || lines[i].trimStart().startsWith('#')) continue
    const cells = splitCsv(lines[i])
    if (cells.length > header.length) throw new UsageError(`${file}:${i + 1}: ${cells.length} fields for ${header.length} columns`, { suggestion: 'quote a value that holds a comma: "a,b"' })
    const input: Record<string, string> = {}
    header.forEach((h, c) => { const v = cells[c]?.trim(); if (v) input[h] = v })
    if (!input.name || !input.mac) throw new UsageError(`${file}:${i + 1}: a node needs a name and a mac`, { suggestion: 'fill in both columns' })
    rows.push({ input: input as unknown as NodeInput, where: `${file}:${i + 1}` })
  }
  return rows
}

/** One CSV line: commas separate, double quotes enclose, "" is a quote. */
function splitCsv(line: string): string[] {
  const out: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++ } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') { out.push(cell); cell = '' } else cell += ch
  }
  out.push(cell)
  return out
}

export function parseYamlNodes(text: string, file: string): Row[] {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const at = (node: Node | null | undefined) => `${file}:${lines.linePos(node?.range?.[0] ?? 0).line}`
  if (doc.errors.length > 0) throw new UsageError(`${file}:${lines.linePos(doc.errors[0].pos[0]).line}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`)
  let list = doc.contents as Node | null
  if (isMap(list) && list.has('nodes')) list = list.get('nodes', true) as Node | null
  const rows: Row[] = []
  const read = (body: Node | null, name: string | undefined, where: Node) => {
    if (!isMap(body)) throw new UsageError(`${at(body ?? where)}: a node must be a mapping of keys (mac, ip, group, …)`)
    const input: Record<string, string> = name === undefined ? {} : { name }
    for (const pair of body.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      if (!FIELDS.includes(key)) throw new UsageError(`${at(pair.key as Node)}: unknown key ${JSON.stringify(key)}`, { suggestion: `keys: ${FIELDS.join(', ')}` })
      const value = pair.value as Node | null
      if (!isScalar(value) || value.value === null) throw new UsageError(`${at(value ?? (pair.key as Node))}: ${key} must be a single value`)
      input[key] = value.source ?? String(value.value)
    }
    if (!input.name || !input.mac) throw new UsageError(`${at(where)}: a node needs a name and a mac`)
    rows.push({ input: input as unknown as NodeInput, where: at(where) })
  }
  if (isMap(list)) for (const pair of list.items) read(pair.value as Node | null, isScalar(pair.key) ? String(pair.key.value) : '', pair.key as Node)
  else if (isSeq(list)) for (const item of list.items) read(item as Node, undefined, item as Node)
  else if (list !== null) throw new UsageError(`${at(list)}: expected a nodes: mapping or a list of nodes`)
  return rows
}
