import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * assets/ ships at the package root, beside src/, dist/ (tsc) and bundle/ (esbuild). This code may
 * run from any of them, and in the bundle from a chunk or from a command's own file one level
 * deeper: find the root by walking up from here rather than by a fixed number of `..`.
 */
export const ASSETS_DIR = findAssets(path.dirname(fileURLToPath(import.meta.url)))

export function assetPath(relative: string): string {
  return path.join(ASSETS_DIR, relative)
}

/** The entries of a list asset or config file: the words of each line that is neither blank nor a `#` comment. */
export function listLines(text: string): string[][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(/\s+/))
}

function findAssets(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'assets'))) return path.join(dir, 'assets')
    if (path.dirname(dir) === dir) throw new Error(`sidus: no assets/ directory above ${from}: the package is incomplete`)
  }
}
