import { execFileSync } from 'node:child_process'

/** Tests that run the CLI use bin/run.js, which loads dist/: build it once. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
}
