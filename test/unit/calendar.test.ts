import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultArchiveMirror } from '../../src/bootstrap/archive.js'
import { DEBIAN_CSV, loadCalendar, parseDebianCsv, retiredSeries, suiteInfo, supportedSuites } from '../../src/bootstrap/calendar.js'
import { UsageError } from '../../src/errors.js'

// Debian's own file, as distro-info-data ships it on this machine, and a fixed excerpt for exact dates
const system = loadCalendar()
const CSV = `version,codename,series,created,release,eol,eol-lts,eol-elts
8,Jessie,jessie,2013-05-04,2015-04-26,2018-06-17,2020-06-30,2025-06-30
9,Stretch,stretch,2015-04-26,2017-06-17,2020-07-18,2022-06-30,2027-06-30
10,Buster,buster,2017-06-17,2019-07-06,2022-09-10,2024-06-30,2029-06-30
11,Bullseye,bullseye,2019-07-06,2021-08-14,2024-08-14,2026-08-31,2031-06-30
12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30
13,Trixie,trixie,2023-06-10,2025-08-09,2028-08-09,2030-06-30,2035-06-30
14,Forky,forky,2025-08-09
15,Duke,duke,2027-08-01
,Sid,sid,1993-08-16
,Experimental,experimental,1993-08-16
`
const cal = parseDebianCsv(CSV)
const on = (d: string) => new Date(`${d}T12:00:00Z`)

describe("Debian's release calendar", () => {
  it('reads the system file of distro-info-data', () => {
    expect(readFileSync(DEBIAN_CSV, 'utf8')).toMatch(/^version,codename,series,created,release,eol/)
    expect(system.find((r) => r.series === 'stretch')).toMatchObject({ version: '9', release: '2017-06-17' })
    expect(suiteInfo(system, 'stretch').status).toBe('retired')
  })

  it.each([
    ['stretch', '2026-12-01', 'retired', '2022-06-30'],
    ['bullseye', '2026-12-01', 'retired', '2026-08-31'],
    ['bullseye', '2025-01-01', 'lts', '2024-08-14'],
    ['bookworm', '2026-12-01', 'lts', '2026-07-11'],
    ['bookworm', '2025-01-01', 'current', '2023-06-10'],
    ['trixie', '2026-12-01', 'current', '2025-08-09'],
    ['forky', '2026-12-01', 'development', '2025-08-09'],
    ['sid', '2026-12-01', 'development', '1993-08-16'],
  ])('%s on %s is %s since %s', (suite, today, status, since) => {
    expect(suiteInfo(cal, suite, on(today))).toMatchObject({ series: suite, status, since })
  })

  it('resolves the aliases through the calendar', () => {
    expect(suiteInfo(cal, 'stable', on('2026-12-01'))).toMatchObject({ series: 'trixie', status: 'current' })
    expect(suiteInfo(cal, 'oldstable', on('2026-12-01'))).toMatchObject({ series: 'bookworm', status: 'lts' })
    expect(suiteInfo(cal, 'testing', on('2026-12-01'))).toMatchObject({ series: 'forky' })
    expect(suiteInfo(cal, 'unstable', on('2026-12-01'))).toMatchObject({ series: 'sid' })
  })

  it('refuses an unknown codename listing the known ones, and one too old by name', () => {
    const e = (() => { try { suiteInfo(cal, 'bogus', on('2026-12-01')) } catch (err) { return err as UsageError } })()!
    expect(e).toBeInstanceOf(UsageError)
    expect(e.message).toBe('unknown Debian suite "bogus"')
    expect(e.suggestion).toContain('stretch, buster, bullseye, bookworm, trixie, forky, sid, oldstable, stable, testing, unstable')
    // a codename not yet created is not a suite
    expect(() => suiteInfo(cal, 'duke', on('2026-12-01'))).toThrow(/unknown Debian suite "duke"/)
    expect(() => suiteInfo(cal, 'jessie', on('2026-12-01'))).toThrow(/Debian 8 jessie is older than sidus supports \(stretch and later\)/)
    expect(supportedSuites(cal, on('2026-12-01'))).not.toContain('experimental')
  })

  it('lists the retired releases', () => {
    expect(retiredSeries(cal, on('2026-12-01'))).toEqual(['jessie', 'stretch', 'buster', 'bullseye'])
  })
})

describe("Debian's archive of retired releases", () => {
  it('is named by debootstrap on this system (no host name of ours)', async () => {
    const url = await defaultArchiveMirror(system, retiredSeries(system))
    expect(url).toMatch(/^https?:\/\/\S+\/debian$/)
    expect(readFileSync('/usr/share/debootstrap/scripts/squeeze', 'utf8')).toContain(`default_mirror ${url}`)
  })
  it('is the newest retired script that names one; none is none', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidus-dbs-'))
    try {
      writeFileSync(path.join(dir, 'jessie'), 'mirror_style release\ndefault_mirror http://old.example/debian/\n')
      writeFileSync(path.join(dir, 'buster'), 'mirror_style release\ndefault_mirror http://new.example/debian\n')
      expect(await defaultArchiveMirror(cal, ['jessie', 'stretch', 'buster'], dir)).toBe('http://new.example/debian')
      expect(await defaultArchiveMirror(cal, ['stretch'], dir)).toBeUndefined()
    } finally { rmSync(dir, { recursive: true, force: true }) }
  })
})
