/**
 * The CLI's entry for the bundle (npm run build → bundle/): bin/run.js starts oclif from here,
 * so oclif's core is the same copy the bundled commands extend.
 */
export { execute } from '@oclif/core'
