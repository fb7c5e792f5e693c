import { describe, expect, test } from 'vitest'
import { renderTemplate } from '../../src/services/template.js'

describe('service template language', () => {
  test('values, dotted paths, sections over arrays and objects, inverted sections', () => {
    const t = 'a={{a}} b={{o.b}}\n{{#list}}\n- {{n}} of {{a}}\n{{/list}}\n{{^none}}\nnone is empty\n{{/none}}\n{{#o}}\no.b={{b}}\n{{/o}}\n'
    expect(renderTemplate(t, { a: 1, o: { b: 'x' }, list: [{ n: 'one' }, { n: 'two' }], none: [] })).toBe(
      'a=1 b=x\n- one of 1\n- two of 1\nnone is empty\no.b=x\n',
    )
  })

  test('a false section is skipped without looking up the values inside it', () => {
    expect(renderTemplate('x\n{{#m}}\nip={{ip}}\n{{/m}}\ny\n', { m: false })).toBe('x\ny\n')
    expect(renderTemplate('{{#a}}{{#b}}{{zz}}{{/b}}{{/a}}.', { a: false })).toBe('.')
  })

  test('a missing value, a multi-line value and unbalanced sections are errors', () => {
    expect(() => renderTemplate('{{nope}}', {}, 't')).toThrow('t: no value for {{nope}}')
    expect(() => renderTemplate('x={{v}}', { v: 'a\nevil=1' })).toThrow('must be a single line')
    expect(() => renderTemplate('{{#a}}x', { a: true })).toThrow('not closed')
    expect(() => renderTemplate('{{/a}}', {})).toThrow('closes nothing')
  })
})
