#!/usr/bin/env node
// bundle/ is built by `npm run build` (tsc, then scripts/bundle): oclif's core and the commands
// in a few files, so that a command starts in about half the time
import { execute } from '../bundle/cli/entry.js'

await execute({ dir: import.meta.url })
