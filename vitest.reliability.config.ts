import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The whole reliability suite: the quick cases that `npm test` also runs, and the slow ones only run here.
export default defineConfig({
  test: {
    ...base.test,
    projects: undefined,
    include: ['test/reliability/**/*.test.ts', 'test/reliability/**/*.slow.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
