import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defaultConfig } from '../../src/config/schema.js'
import type { Ctx } from '../../src/context.js'
import { LocalRunner } from '../../src/run/local.js'

/**
 * A throw-away sidus world: its own roots, tftp, state and cache under one temp dir,
 * and a config file pointing at them. `extra` is appended YAML.
 */
export function tempWorld(extra = '', base?: string): { dir: string; config: string; roots: string; tftp: string; state: string; cache: string; env: Record<string, string> } {
  const dir = mkdtempSync(path.join(base ?? os.tmpdir(), 'sidus-test-'))
  const roots = path.join(dir, 'roots')
  const tftp = path.join(dir, 'tftp')
  const state = path.join(dir, 'state')
  const cache = process.env.SIDUS_TEST_CACHE ?? path.join(dir, 'cache')
  for (const d of [roots, tftp, state]) mkdirSync(d, { recursive: true })
  const config = path.join(dir, 'sidus.yaml')
  writeFileSync(config, `paths:\n  roots: ${roots}\n  tftp: ${tftp}\n  state: ${state}\n  cache: ${cache}\n${extra}`)
  return { dir, config, roots, tftp, state, cache, env: { SIDUS_CONFIG: config } }
}

/**
 * A Ctx for core functions over a throw-away world: the default config with its paths under
 * `dir` (config file dir/sidus.yaml, not written), and these instance roots as empty directories.
 */
export function tempCtx(dir: string, instances: string[] = []): Ctx {
  const config = defaultConfig()
  config.paths = { roots: path.join(dir, 'roots'), tftp: path.join(dir, 'tftp'), state: path.join(dir, 'state'), cache: path.join(dir, 'cache') }
  mkdirSync(config.paths.roots, { recursive: true })
  for (const i of instances) mkdirSync(path.join(config.paths.roots, i), { recursive: true })
  config.source = path.join(dir, 'sidus.yaml')
  return { config, runner: new LocalRunner() }
}
