import { CreateTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { USER_KEY } from '../../lib/adapters/score-item.js';

/** Creates the scores table as serverless.yml declares it (string key user_id, on demand); an existing one is kept. */
export async function ensureScoresTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: USER_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: USER_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
}
