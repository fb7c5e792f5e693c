import { describe, expect, it } from 'vitest'
import { expandNodeSet, foldNodeSet } from '../../../src/inventory/nodeset.js'

describe('node sets (clustershell style)', () => {
  it('expands ranges with the padding of the range start', () => {
    expect(expandNodeSet('n[001-003]')).toEqual(['n001', 'n002', 'n003'])
    expect(expandNodeSet('n[8-11]')).toEqual(['n8', 'n9', 'n10', 'n11'])
    expect(expandNodeSet('n[098-101]')).toEqual(['n098', 'n099', 'n100', 'n101'])
    expect(expandNodeSet('n[001-480]')).toHaveLength(480)
  })

  it('takes lists, steps, several brackets, several items, and keeps each name once in the order written', () => {
    expect(expandNodeSet('n[001-003,010]')).toEqual(['n001', 'n002', 'n003', 'n010'])
    expect(expandNodeSet('n[1-9/4]')).toEqual(['n1', 'n5', 'n9'])
    expect(expandNodeSet('r[1-2]n[01-02]')).toEqual(['r1n01', 'r1n02', 'r2n01', 'r2n02'])
    expect(expandNodeSet('login,n[1-2] n2,n3')).toEqual(['login', 'n1', 'n2', 'n3'])
  })

  it('asks the caller for @groups', () => {
    const groups: Record<string, string[]> = { compute: ['n1', 'n2'] }
    expect(expandNodeSet('@compute,n3', (g) => groups[g])).toEqual(['n1', 'n2', 'n3'])
    expect(() => expandNodeSet('@compute')).toThrow(/groups \(@compute\) cannot be used here/)
  })

  it('refuses what is not a node set, with the form to use', () => {
    for (const [bad, why] of [
      ['n[1-3', 'a \\[ without its \\]'], ['n1-3]', 'a \\] without its \\['], ['n[3-1]', 'runs backwards'],
      ['n[a-b]', 'is not a number or a range'], ['n[1-9/0]', 'step'], ['n[1-99999999]', 'more than 100000'], ['', 'empty node set'],
      ['n[[1]]', 'brackets inside brackets'], ['r[1-1000]n[1-1000]', 'more than 100000'],
    ] as const) {
      let error: (Error & { exitCode?: number; suggestion?: string }) | undefined
      try { expandNodeSet(bad) } catch (e) { error = e as Error }
      expect(error?.message, bad).toMatch(new RegExp(why))
      expect(error?.exitCode, bad).toBe(64)
    }
  })

  it('folds names back into the shortest set, padding kept apart', () => {
    expect(foldNodeSet(['n001', 'n002', 'n003', 'n005'])).toBe('n[001-003,005]')
    expect(foldNodeSet(['n099', 'n100', 'n101'])).toBe('n[099-101]')
    expect(foldNodeSet(['n9', 'n10', 'n11', 'login', 'n3'])).toBe('login,n[3,9-11]')
    expect(foldNodeSet(['n1', 'n01'])).toBe('n01,n1')
    expect(foldNodeSet(['r1n01'])).toBe('r1n01')
    const names = expandNodeSet('n[001-480]')
    expect(expandNodeSet(foldNodeSet(names))).toEqual(names)
  })
})
