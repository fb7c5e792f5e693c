import { describe, expect, it } from 'vitest'
import { fastExecArgv } from '../../src/cli/exec-fast-argv.js'

describe("exec's fast path: the command lines it takes from oclif", () => {
  it('takes NAME and the flags before --, in any order, and leaves the command as typed', () => {
    expect(fastExecArgv(['bb64', '--', 'true'], {})).toEqual({ argv: ['bb64', '--', 'true'], noWait: false, staged: false })
    expect(fastExecArgv(['--', 'true'], {})).toEqual({ argv: ['--', 'true'], noWait: false, staged: false })
    expect(fastExecArgv(['--staged', 'bb64', '--no-wait', '--config', '/etc/x.yaml', '--', 'ls', '--help', '--json', '--'], {}))
      .toEqual({ argv: ['--staged', 'bb64', '--no-wait', '--config', '/etc/x.yaml', '--', 'ls', '--help', '--json', '--'], noWait: true, staged: true, config: '/etc/x.yaml' })
    expect(fastExecArgv(['--config=/etc/x.yaml', '--'], {})?.config).toBe('/etc/x.yaml')
  })

  it('leaves to oclif what oclif could read otherwise: no --, help, json, unknown, repeated or odd words', () => {
    const declined = [
      ['bb64', 'true'], [], ['--help'], ['bb64', '--help', '--', 'true'], ['-h', '--', 'true'],
      ['--json', 'bb64', '--', 'true'], ['--verbose', '--', 'true'], ['-n', '--', 'true'],
      ['--staged', '--staged', '--', 'true'], ['--no-wait', '--no-wait', '--', 'true'],
      ['--config', 'a', '--config', 'b', '--', 'true'], ['--config', '--', 'true'], ['--config', '--staged', '--', 'true'],
      ['--config=', '--', 'true'], ['--config=a', '--config=b', '--', 'true'],
      ['a', 'b', '--', 'true'], ['', '--', 'true'], ['-', '--', 'true'],
    ]
    for (const argv of declined) expect(fastExecArgv(argv, {}), JSON.stringify(argv)).toBeUndefined()
  })

  it('leaves to oclif what oclif reads from the environment: SIDUS_CONTENT_TYPE (json) and DEBUG', () => {
    expect(fastExecArgv(['bb64', '--', 'true'], { SIDUS_CONTENT_TYPE: 'json' })).toBeUndefined()
    expect(fastExecArgv(['bb64', '--', 'true'], { DEBUG: '*' })).toBeUndefined()
    expect(fastExecArgv(['bb64', '--', 'true'], { DEBUG: '' })).toBeDefined()
  })
})
