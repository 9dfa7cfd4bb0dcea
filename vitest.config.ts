import { defineConfig } from 'vitest/config';

// Three projects, so each starts only what it uses: `npm run test:unit` needs neither Java nor a
// broker; the integration project starts one local stack (DynamoDB Local + Kafka broker) for its run.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/reliability/fuzz-decode.test.ts'] } },
      { extends: true, test: { name: 'deploy', include: ['test/deploy/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/reliability/**/*.test.ts'],
          exclude: ['test/reliability/fuzz-decode.test.ts'],
          // One local stack for the whole run; each test file makes its own table and topics.
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
