import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The whole reliability suite: the quick cases that `npm test` also runs, and the slow ones only run here.
// Spread rather than mergeConfig, which would append to the base include and run every test.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/reliability/**/*.test.ts', 'test/reliability/**/*.slow.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
