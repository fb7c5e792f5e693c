import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Ctx } from '../context.js'
import { ConfigError, MissingPackageError, UnreachableError } from '../errors.js'
import { pathExists } from '../fs.js'
import { retiredSeries, type Release, type SuiteInfo } from './calendar.js'

/** Debian's keyring of retired archive keys (package debian-archive-keyring): stretch's keys are in it. */
export const REMOVED_KEYS = '/usr/share/keyrings/debian-archive-removed-keys.gpg'
/** debootstrap's per-suite scripts name each suite's default mirror; a retired suite's names Debian's archive */
export const DEBOOTSTRAP_SCRIPTS = '/usr/share/debootstrap/scripts'
/** apt's own downloader: apt's transports, proxy settings and file:// mirrors, without a shell or curl */
const APT_HELPER = '/usr/lib/apt/apt-helper'
/** what an unreachable archive may cost before create gives up (the check must answer well inside 30 s) */
const PROBE_TIMEOUT_S = 10

/**
 * Debian's archive of retired releases, as Debian itself names it on this system: the
 * `default_mirror` of debootstrap's scripts for retired suites (newest first). sidus spells
 * no mirror host of its own; without debootstrap there is no default and archive_mirror is needed.
 */
export async function defaultArchiveMirror(calendar: Release[], retired: string[], dir = DEBOOTSTRAP_SCRIPTS): Promise<string | undefined> {
  const series = calendar.map((r) => r.series).filter((s) => retired.includes(s)).reverse()
  for (const s of series) {
    let text: string
    try { text = await readFile(path.join(dir, s), 'utf8') } catch { continue }
    const m = /^default_mirror\s+(\S+)/m.exec(text)
    if (m) return m[1].replace(/\/+$/, '')
  }
  return undefined
}

export interface ArchivePlan { mirror: string; keyring: string; aptOptions: string[] }

/**
 * How a retired suite is fetched: archive_mirror (or Debian's archive, as debootstrap names
 * it), the keyring of retired keys, and no Valid-Until check (a retired Release never gets
 * a fresh one). Checked for reachability here, before anything on disk changes.
 */
export async function planRetired(ctx: Ctx, info: SuiteInfo, calendar: Release[], given?: string): Promise<ArchivePlan> {
  const config = ctx.config.source ?? '/etc/sidus/sidus.yaml'
  const mirror = given ?? ctx.config.archive_mirror ?? (await defaultArchiveMirror(calendar, retiredSeries(calendar)))
  const what = `${info.suite} (Debian ${info.version ?? info.series}) is retired since ${info.since}`
  if (!mirror) {
    throw new ConfigError(`${what} and there is no archive mirror for it: none in ${config}, and debootstrap names none`, {
      suggestion: `set archive_mirror in ${config} to Debian's archive of retired releases or a local copy, e.g. archive_mirror: file:///srv/mirror/debian-archive`,
    })
  }
  if (!(await pathExists(REMOVED_KEYS))) {
    throw new MissingPackageError(REMOVED_KEYS, 'debian-archive-keyring', `${what}: its keys are in ${REMOVED_KEYS}, which is missing`)
  }
  const reason = await probe(ctx, `${mirror}/dists/${info.series}/Release`)
  if (reason) {
    throw new UnreachableError(`${what}: its archive ${mirror} cannot be reached (${reason})`, {
      suggestion: `point archive_mirror in ${config} at a reachable copy of the archive, e.g. archive_mirror: file:///srv/mirror/debian-archive`,
    })
  }
  return { mirror, keyring: REMOVED_KEYS, aptOptions: ['Acquire::Check-Valid-Until "false"'] }
}

/** Fetch one file with apt's own transports into a temp dir that is always removed; the failure's reason, or undefined. */
async function probe(ctx: Ctx, url: string): Promise<string | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sidus-probe-'))
  try {
    const r = await ctx.runner.run([
      APT_HELPER, '-o', `Acquire::http::Timeout=${PROBE_TIMEOUT_S}`, '-o', `Acquire::https::Timeout=${PROBE_TIMEOUT_S}`,
      '-o', 'Acquire::Retries=0', 'download-file', url, path.join(dir, 'Release'),
    ], { reject: false, signal: ctx.signal, timeoutMs: 2 * PROBE_TIMEOUT_S * 1000 }).catch((error: Error) => {
      if (ctx.signal?.aborted) throw error
      return { exitCode: -1, stdout: '', stderr: `E: no answer in ${2 * PROBE_TIMEOUT_S} s`, signal: undefined }
    })
    if (r.exitCode === 0) return undefined
    // apt's reason is the indented line under "Err:1 <url>", e.g. "Could not connect to … (111: Connection refused)"
    const lines = `${r.stdout}\n${r.stderr}`.split('\n')
    const err = lines.findIndex((l) => l.startsWith('Err:'))
    const why = (err >= 0 ? lines[err + 1] : lines.find((l) => l.startsWith('E: ')))?.trim().replace(/^E:\s*/, '')
    return why || `apt-helper exited with ${r.exitCode}`
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
