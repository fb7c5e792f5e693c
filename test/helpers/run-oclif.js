#!/usr/bin/env node
// bin/run.js without its `sidus exec` fast path: the command line through oclif, always.
// Tests run a command line both ways and compare (test/integration/chroot/exec-fast.test.ts).
import { execute } from '../../bundle/cli/entry.js'

await execute({ dir: new URL('../../bin/run.js', import.meta.url).href, args: process.argv.slice(2) })
