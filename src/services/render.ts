import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Ctx } from '../context.js'
import { writeIfChanged } from '../state/atomic.js'
import { EDITED_PATHS, planFiles, type ServiceId } from './files.js'
import { loadServerModel } from './model.js'

export interface RenderedFile { path: string; service: ServiceId; content: string; written?: string; status?: 'added' | 'updated' | 'unchanged' }

/**
 * Every file `sidus server apply` would write, rendered from config and state. With
 * `out`, each is written under that directory at its server path (etc/…); nothing
 * else is touched. The admin's dhcpd.conf and tftpd-hpa defaults are only read.
 */
export async function renderServerFiles(ctx: Ctx, opts: { out?: string } = {}): Promise<RenderedFile[]> {
  const model = await loadServerModel(ctx)
  const existing: Record<string, string | undefined> = {}
  for (const p of EDITED_PATHS) existing[p] = await readFile(p, 'utf8').catch(() => undefined)
  const files: RenderedFile[] = planFiles(model, existing).map((f) => ({ path: f.path, service: f.service, content: f.content }))
  if (opts.out) {
    for (const f of files) {
      f.written = path.join(path.resolve(opts.out), f.path)
      f.status = await writeIfChanged(f.written, f.content, 0o644)
    }
  }
  return files
}
