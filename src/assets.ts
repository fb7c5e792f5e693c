import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** assets/ ships beside dist/ and src/: both are one level below the package root. */
export const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'assets')

export function assetPath(relative: string): string {
  return path.join(ASSETS_DIR, relative)
}
