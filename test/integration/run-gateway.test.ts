import { describe, expect, it } from 'vitest'
import { CancelledError, ExternalError } from '../../src/errors.js'
import { CommandFailedError, LocalRunner } from '../../src/run/local.js'
import type { RunOptions } from '../../src/run/runner.js'

// The gateway has two engines: execa (piped output, input, line callbacks) and a plain spawn for
// programs that stream to our stdio (what `sidus exec` uses). Both must answer alike.
// Real programs (sh, true, a missing one); nothing is mounted.
const runner = new LocalRunner()
const paths: Array<[string, RunOptions]> = [['execa (piped)', { stdio: 'pipe' }], ['spawn (inherited stdio)', { stdio: 'inherit' }]]

describe.each(paths)('LocalRunner through %s', (_, base) => {
  it('resolves with the exit code and the argv', async () => {
    const r = await runner.run(['sh', '-c', 'exit 0'], base)
    expect(r.exitCode).toBe(0)
    expect(r.argv).toEqual(['sh', '-c', 'exit 0'])
  })

  it('throws CommandFailedError on a non-zero exit, or resolves with it under reject: false', async () => {
    await expect(runner.run(['sh', '-c', 'exit 3'], base)).rejects.toBeInstanceOf(CommandFailedError)
    expect((await runner.run(['sh', '-c', 'exit 3'], { ...base, reject: false })).exitCode).toBe(3)
  })

  it('reports a death by signal as 128 with the signal name', async () => {
    const r = await runner.run(['sh', '-c', 'kill -KILL $$'], { ...base, reject: false })
    expect(r).toMatchObject({ exitCode: 128, signal: 'SIGKILL' })
  })

  it('names the program it cannot run', async () => {
    const error = await runner.run(['/nonexistent/sidus-no-such-program', 'x'], base).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(String((error as Error).message)).toMatch(/^cannot run \/nonexistent\/sidus-no-such-program x: .*ENOENT/)
  })

  it('passes env over the inherited one, or alone with extendEnv: false', async () => {
    const check = ['sh', '-c', 'test "$SIDUS_GW" = yes && test -n "$HOME"']
    expect((await runner.run(check, { ...base, env: { SIDUS_GW: 'yes' }, reject: false })).exitCode).toBe(0)
    const alone = ['/bin/sh', '-c', 'test "$SIDUS_GW" = yes && test -z "$HOME"']
    expect((await runner.run(alone, { ...base, env: { SIDUS_GW: 'yes' }, extendEnv: false, reject: false })).exitCode).toBe(0)
  })

  it('runs in cwd', async () => {
    expect((await runner.run(['sh', '-c', 'test "$(pwd)" = /proc'], { ...base, cwd: '/proc' })).exitCode).toBe(0)
  })

  it('cancels on the signal with SIGTERM and throws CancelledError', async () => {
    const controller = new AbortController()
    const t0 = Date.now()
    setTimeout(() => controller.abort('SIGTERM'), 200)
    await expect(runner.run(['sleep', '30'], { ...base, signal: controller.signal })).rejects.toBeInstanceOf(CancelledError)
    expect(Date.now() - t0).toBeLessThan(4000)
  })

  it('stops a program that outlives its timeout', async () => {
    const error = await runner.run(['sleep', '30'], { ...base, timeoutMs: 200 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(String((error as Error).message)).toBe('sleep 30 timed out after 200 ms')
  })
})
