import { defineConfig } from 'vitest/config';

// Integration tests create real namespaces, overlays and cgroups as root and check after
// each file that nothing leaked; running files one at a time keeps those checks exact.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
