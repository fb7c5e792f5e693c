import { execa } from 'execa'
import { describe, expect, test } from 'vitest'
import { CommandFailedError } from '../../../src/run/local.js'
import { SshRunner, type SshExec } from '../../../src/run/ssh-runner.js'

/** A stand-in for node-ssh's connection that runs the command string in a local sh, as sshd would hand it to the login shell. */
const localShell: SshExec & { sent: string[] } = {
  sent: [],
  async execCommand(command, options = {}) {
    this.sent.push(command)
    const r = await execa('sh', ['-c', command], { input: options.stdin, reject: false, stripFinalNewline: false })
    if (options.onStdout && r.stdout) options.onStdout(Buffer.from(r.stdout))
    return { stdout: r.stdout, stderr: r.stderr, code: r.exitCode ?? null, signal: null }
  },
}

describe('the gateway over SSH', () => {
  test('argv words arrive as themselves; env and input passed; lines reported', async () => {
    const runner = new SshRunner(localShell, 'ssh://n01')
    const lines: string[] = []
    const r = await runner.run(['sh', '-c', 'printf "%s|" "$@" "$GREETING"; cat', 'sh', 'a b', "it's", '$x'], {
      env: { GREETING: 'hello world' }, input: 'from stdin\n', onLine: (l) => lines.push(l),
    })
    expect(r.stdout).toBe("a b|it's|$x|hello world|from stdin\n")
    expect(lines).toEqual(["a b|it's|$x|hello world|from stdin"])
    expect(localShell.sent.at(-1)).toBe(`env 'GREETING=hello world' sh -c 'printf "%s|" "$@" "$GREETING"; cat' sh 'a b' 'it'\\''s' '$x'`)
  })
  test('a failure throws with the argv unless reject is false; which finds programs', async () => {
    const runner = new SshRunner(localShell, 'ssh://n01')
    await expect(runner.run(['sh', '-c', 'exit 3'])).rejects.toBeInstanceOf(CommandFailedError)
    expect((await runner.run(['sh', '-c', 'exit 3'], { reject: false })).exitCode).toBe(3)
    expect(await runner.which('sh')).toMatch(/\/sh$/)
    expect(await runner.which('no-such-program-here')).toBeUndefined()
  })
})
