import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One local stack (DynamoDB Local + Kafka broker) for the whole run; each test file makes its own table and topics.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // KafkaJS logs every refused connection at ERROR; the tests that stop brokers cause hundreds.
    onConsoleLog: (log) => !log.includes('"logger":"kafkajs"'),
  },
});
