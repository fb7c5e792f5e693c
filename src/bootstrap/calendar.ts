import { readFileSync } from 'node:fs'
import { MissingPackageError, UsageError } from '../errors.js'

/** Debian's own release calendar (package distro-info-data): no table of ours to keep up to date. */
export const DEBIAN_CSV = '/usr/share/distro-info/debian.csv'

/** One row of debian.csv: version,codename,series,created,release,eol,eol-lts,eol-elts */
export interface Release {
  version?: string
  series: string
  created: string
  release?: string
  eol?: string
  eolLts?: string
  eolElts?: string
}

/**
 * development: created, not released (testing, sid); current: released, before its EOL;
 * lts: after EOL, still on the mirrors under Debian LTS; retired: past LTS, served only
 * from Debian's archive of retired releases (ELTS is a vendor's, not Debian's mirrors).
 */
export type SuiteStatus = 'development' | 'current' | 'lts' | 'retired'

export interface SuiteInfo {
  /** as given: a codename or an alias (stable, testing, …) */
  suite: string
  /** the codename it stands for */
  series: string
  version?: string
  status: SuiteStatus
  /** the date this status began (release, EOL, end of LTS) */
  since?: string
}

/** The oldest release sidus builds roots of: its dracut (044) is the oldest the SIDUS module is written for. */
export const OLDEST_SUPPORTED = 'stretch'
const ALIASES = ['oldstable', 'stable', 'testing', 'unstable']

export function parseDebianCsv(text: string): Release[] {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean)
  const header = lines.shift()?.split(',') ?? []
  const col = (name: string) => header.indexOf(name)
  if (col('series') < 0 || col('release') < 0 || col('eol') < 0) throw new Error('not a distro-info debian.csv (no series/release/eol columns)')
  const get = (cells: string[], name: string) => (col(name) >= 0 && cells[col(name)] ? cells[col(name)] : undefined)
  return lines.map((line) => {
    const c = line.split(',')
    return {
      version: get(c, 'version'), series: get(c, 'series')!, created: get(c, 'created') ?? '',
      release: get(c, 'release'), eol: get(c, 'eol'), eolLts: get(c, 'eol-lts'), eolElts: get(c, 'eol-elts'),
    }
  }).filter((r) => r.series)
}

export function loadCalendar(file = DEBIAN_CSV): Release[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new MissingPackageError('debian.csv', 'distro-info-data', `Debian's release calendar ${file} is missing`)
  }
  return parseDebianCsv(text)
}

const day = (d: Date) => d.toISOString().slice(0, 10)

function statusOf(r: Release, today: string): { status: SuiteStatus; since?: string } {
  if (!r.release || r.release > today) return { status: 'development', since: r.created }
  if (!r.eol || r.eol >= today) return { status: 'current', since: r.release }
  if (r.eolLts && r.eolLts >= today) return { status: 'lts', since: r.eol }
  return { status: 'retired', since: r.eolLts ?? r.eol }
}

/** The codenames (and aliases) create accepts today, oldest first. */
export function supportedSuites(calendar: Release[], today = new Date()): string[] {
  const t = day(today)
  const from = calendar.findIndex((r) => r.series === OLDEST_SUPPORTED)
  const series = calendar.slice(Math.max(from, 0))
    .filter((r) => r.created <= t && r.series !== 'experimental')
    // a codename named for the future (no release yet, and not the one testing is) is not a suite yet
    .filter((r) => r.release || r === nextRelease(calendar, t) || r.series === 'sid')
    .map((r) => r.series)
  return [...series, ...ALIASES]
}

const released = (calendar: Release[], t: string) => calendar.filter((r) => r.release && r.release <= t && r.version)
/** the first unreleased numbered release: what testing is */
const nextRelease = (calendar: Release[], t: string) => calendar.find((r) => r.version && (!r.release || r.release > t) && r.created <= t)

/** What Debian says of a suite today; an unknown or too old codename is refused, listing the known ones. */
export function suiteInfo(calendar: Release[], suite: string, today = new Date()): SuiteInfo {
  const t = day(today)
  const known = supportedSuites(calendar, today)
  let series = suite
  if (suite === 'stable') series = released(calendar, t).at(-1)?.series ?? suite
  else if (suite === 'oldstable') series = released(calendar, t).at(-2)?.series ?? suite
  else if (suite === 'testing') series = nextRelease(calendar, t)?.series ?? suite
  else if (suite === 'unstable') series = 'sid'
  const r = calendar.find((x) => x.series === series)
  if (!r || !known.includes(series)) {
    const old = r && calendar.indexOf(r) < calendar.findIndex((x) => x.series === OLDEST_SUPPORTED)
    throw new UsageError(old
      ? `Debian ${r.version ?? ''} ${suite} is older than sidus supports (${OLDEST_SUPPORTED} and later)`.replace('  ', ' ')
      : `unknown Debian suite ${JSON.stringify(suite)}`, {
      suggestion: `known suites (from ${DEBIAN_CSV}): ${known.join(', ')}`,
    })
  }
  return { suite, series: r.series, version: r.version, ...statusOf(r, t) }
}

/** Every codename Debian has retired by today (past LTS), oldest first. */
export function retiredSeries(calendar: Release[], today = new Date()): string[] {
  const t = day(today)
  return calendar.filter((r) => r.version && statusOf(r, t).status === 'retired').map((r) => r.series)
}
