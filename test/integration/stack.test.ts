import { describe, expect, it } from 'vitest';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { connectProducer } from '../../lib/adapters/producer.js';
import { freshScoresTable, freshTopic, readTopic, stackEndpoints, testDynamo, testKafka } from '../support/stack.js';

describe('local stack', () => {
  it('serves DynamoDB Local and a Kafka broker that round-trips a message', async () => {
    const dynamo = testDynamo();
    const table = await freshScoresTable(dynamo);
    const described = await dynamo.send(new DescribeTableCommand({ TableName: table }));
    expect(described.Table?.KeySchema).toEqual([{ AttributeName: 'user_id', KeyType: 'HASH' }]);

    const topic = await freshTopic('roundtrip');
    const producer = await connectProducer(testKafka());
    await producer.send(topic, [{ key: 'k', value: 'hello' }]);
    await producer.close();
    const [message] = await readTopic(topic, 1);
    expect(message?.value?.toString()).toBe('hello');
    expect(stackEndpoints().kafkaBrokers).toMatch(/:\d+$/);
  });
});
