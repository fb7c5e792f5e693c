import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // integration tests mount, chroot and start servers for real: one file at a time
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 1_800_000,
    reporters: ['default'],
  },
})
