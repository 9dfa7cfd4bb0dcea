import { defineConfig } from 'vitest/config';

// Four projects, so each starts only what it uses: `npm run test:unit` needs neither Java nor a
// broker; the integration project starts one local stack (DynamoDB Local + Kafka broker) for its run;
// the e2e project deploys the stack to ministack (the AWS emulator) next to a Kafka broker.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/reliability/fuzz-decode.test.ts'] },
      },
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
      {
        extends: true,
        // The stack deployed with `serverless deploy` to ministack; each file starts its own emulator and broker.
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 180_000 },
      },
    ],
  },
});
