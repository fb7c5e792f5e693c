// node --import <this> …: every module the program imports, appended to $SIDUS_TEST_TRACE
// (one URL a line), to show which path of bin/run.js a command line took.
import { register } from 'node:module'

register(new URL('./trace-imports-hooks.js', import.meta.url))
