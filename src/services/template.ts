import { readFileSync } from 'node:fs'
import path from 'node:path'
import { assetPath } from '../assets.js'

/**
 * A small mustache-like template language for the files under assets/services:
 *   {{name}}            a value (dotted paths allowed), looked up through the section stack
 *   {{#name}}…{{/name}} a section: repeated per item of an array, once for a truthy value
 *   {{^name}}…{{/name}} an inverted section: rendered when the value is falsy or an empty array
 * A line holding only a section tag disappears from the output. A missing value or a
 * value containing a newline is an error: a config value must never add lines to a
 * service's configuration.
 */
export type TemplateData = Record<string, unknown>

const TAG = /\{\{([#^/]?)\s*([\w.]+)\s*\}\}/g

export function renderTemplate(template: string, data: TemplateData, name = 'template'): string {
  // standalone section tags: drop the whole line, keep the tag
  const text = template.replace(/^[ \t]*(\{\{[#^/]\s*[\w.]+\s*\}\})[ \t]*\r?\n/gm, '$1')
  const [out, rest] = renderPart(text, [data], name, undefined)
  if (rest !== '') throw new Error(`${name}: unexpected text after the end`)
  return out
}

/** Render until the closing tag of `section` (or the end); returns [output, text after the closing tag]. */
function renderPart(text: string, stack: unknown[], name: string, section: string | undefined, skip = false): [string, string] {
  let out = ''
  let rest = text
  for (;;) {
    TAG.lastIndex = 0
    const m = TAG.exec(rest)
    if (!m) {
      if (section !== undefined) throw new Error(`${name}: section {{#${section}}} is not closed`)
      return [skip ? '' : out + rest, '']
    }
    out += rest.slice(0, m.index)
    rest = rest.slice(m.index + m[0].length)
    const [, sigil, key] = m
    if (sigil === '/') {
      if (key !== section) throw new Error(`${name}: {{/${key}}} closes ${section ? `{{#${section}}}` : 'nothing'}`)
      return [out, rest]
    }
    if (skip) {
      if (sigil !== '') rest = renderPart(rest, stack, name, key, true)[1]
      continue
    }
    if (sigil === '') {
      out += scalar(lookup(stack, key, name), key, name)
      continue
    }
    const value = lookup(stack, key, name, true)
    const items = Array.isArray(value) ? value : value ? [value] : []
    const show = sigil === '#' ? items : items.length === 0 ? [true] : []
    if (show.length === 0) {
      rest = renderPart(rest, stack, name, key, true)[1]
      continue
    }
    let after = rest
    for (const item of show) {
      const [part, next] = renderPart(rest, typeof item === 'object' ? [...stack, item] : stack, name, key)
      out += part
      after = next
    }
    rest = after
  }
}

function lookup(stack: unknown[], key: string, name: string, optional = false): unknown {
  const [head, ...tail] = key.split('.')
  for (let i = stack.length - 1; i >= 0; i--) {
    const frame = stack[i]
    if (frame && typeof frame === 'object' && head in frame) {
      let value: unknown = (frame as Record<string, unknown>)[head]
      for (const part of tail) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
      return value
    }
  }
  if (optional) return undefined
  throw new Error(`${name}: no value for {{${key}}}`)
}

function scalar(value: unknown, key: string, name: string): string {
  if (value === undefined || value === null || typeof value === 'object') throw new Error(`${name}: {{${key}}} has no printable value`)
  const text = String(value)
  if (/[\r\n]/.test(text)) throw new Error(`${name}: {{${key}}} must be a single line`)
  return text
}

/** assets/services/ (assets.ts finds assets/ from src/, dist/ and bundle/ alike) */
export const SERVICES_ASSETS = assetPath('services')

const cache = new Map<string, string>()

/** A template file of assets/services, read once: templates are part of the program, like its code. */
export function serviceTemplate(file: string): string {
  let text = cache.get(file)
  if (text === undefined) {
    text = readFileSync(path.join(SERVICES_ASSETS, file), 'utf8')
    cache.set(file, text)
  }
  return text
}
