import { chmod, mkdir, rename } from 'node:fs/promises'
import path from 'node:path'
import type { Ctx } from '../context.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { mountsUnder } from '../domain/mounts.js'
import { checkInstanceName } from '../domain/instance-name.js'
import { isDirectory } from '../fs.js'
import { generationsDir, stageDir } from '../state/layout.js'
import { copyRoot, type CopyMethod } from './copy.js'
import { withInstanceLock } from './lock.js'
import { readGeneration } from './number.js'
import { refuseWithMaster, removeTree, requireLiveRoot, sweepLeftovers } from './store.js'
import { replaySwapLocked } from './swap.js'

export interface StageResult {
  instance: string
  stage: string
  /** the live generation the stage was copied from */
  from: number
  method: CopyMethod
  /** bytes really copied (etc, var, root, boot; all of it with reflinks, where they cost no space) */
  copiedBytes: number
  seconds: number
}

/**
 * `sidus stage NAME`: a copy of the live root to change and boot-test before the fleet sees it
 * (see copyRoot for what is shared with the live root and what is copied). Built under a
 * temporary name and renamed into place: a stage is whole or absent. One per instance.
 */
export async function stageInstance(ctx: Ctx, name: string, opts: { force?: boolean } = {}): Promise<StageResult> {
  checkInstanceName(name)
  return withInstanceLock(ctx, name, async () => {
    await replaySwapLocked(ctx, name)
    const live = await requireLiveRoot(ctx, name)
    await refuseWithMaster(ctx, name, 'a stage copied now', opts.force)
    const stage = stageDir(ctx.config, name)
    if (await isDirectory(stage)) {
      throw new ConflictError(`${name} has a stage already (${stage}): one stage per instance`, {
        suggestion: `promote it (sidus promote ${name}) or drop it (sidus stage ${name} --discard)`,
      })
    }
    const mounts = await mountsUnder(live)
    if (mounts.length > 0) {
      throw new ConflictError(`refusing to copy ${name}: mounted beneath ${live}: ${mounts.join(', ')}`, { suggestion: `unmount them first (umount ${mounts[0]})` })
    }
    const dir = generationsDir(ctx.config, name)
    // root-only: kept generations are not for the server's users to read or change
    await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 })
    await chmod(path.dirname(dir), 0o700)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await sweepLeftovers(ctx, name)
    const from = await readGeneration(live)
    const tmp = path.join(dir, `.stage-tmp-${process.pid}`)
    const t0 = process.hrtime.bigint()
    const copied = await copyRoot(ctx, live, tmp)
    await rename(tmp, stage)
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    return { instance: name, stage, from, method: copied.method, copiedBytes: copied.copiedBytes, seconds }
  })
}

/** `sidus stage NAME --discard`: the stage goes; the live root and kept generations stay. */
export async function discardStage(ctx: Ctx, name: string): Promise<{ instance: string; discarded: string }> {
  checkInstanceName(name)
  return withInstanceLock(ctx, name, async () => {
    await replaySwapLocked(ctx, name)
    const stage = stageDir(ctx.config, name)
    if (!(await isDirectory(stage))) throw new NotFoundError(`${name} has no stage (${stage})`, { suggestion: `nothing to discard; make one with sidus stage ${name}` })
    await removeTree(ctx, stage)
    return { instance: name, discarded: stage }
  })
}

/** The stage's directory, for sessions and boots of the stage; NotFound with the fix when there is none. */
export async function requireStage(ctx: Pick<Ctx, 'config'>, name: string): Promise<string> {
  const stage = stageDir(ctx.config, name)
  if (!(await isDirectory(stage))) throw new NotFoundError(`${name} has no stage (${stage})`, { suggestion: `make one first: sidus stage ${name}` })
  return stage
}
