import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { MSKEvent } from 'aws-lambda';
import { FunctionError } from '../../local/event-source-mapping/delivery.js';
import { lambdaInvoker } from '../../local/event-source-mapping/lambda-invoker.js';
import { LOCAL_CLUSTER_ARN } from '../../local/event-source-mapping/msk-event.js';

// A tiny HTTP endpoint speaking the Lambda Invoke API's wire format, as AWS and ministack do.
const received: { path: string; body: unknown }[] = [];
let server: Server;
let client: LambdaClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body) });
      if (req.url?.includes('/functions/broken/')) {
        res.writeHead(200, { 'X-Amz-Function-Error': 'Unhandled', 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errorType: 'Error', errorMessage: 'DynamoDB is unreachable' }));
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ records: 1 }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new LambdaClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const event: MSKEvent = {
  eventSource: 'aws:kafka',
  eventSourceArn: LOCAL_CLUSTER_ARN,
  bootstrapServers: '127.0.0.1:9092',
  records: {
    'activity-0': [
      {
        topic: 'activity',
        partition: 0,
        offset: 0,
        timestamp: 1,
        timestampType: 'CREATE_TIME',
        key: 'MQ==',
        value: 'e30=',
        headers: [],
      },
    ],
  },
};

describe('Lambda invoke target', () => {
  it('sends the MSK event to the named function and returns its answer', async () => {
    await expect(lambdaInvoker(client, 'scorer')(event)).resolves.toEqual({ records: 1 });
    expect(received.at(-1)).toEqual({ path: '/2015-03-31/functions/scorer/invocations', body: event });
  });

  it('fails the batch when the function reports an error, naming the function and the error', async () => {
    const invoke = lambdaInvoker(client, 'broken');
    await expect(invoke(event)).rejects.toThrow(FunctionError);
    await expect(invoke(event)).rejects.toThrow('broken failed (Unhandled): Error: DynamoDB is unreachable');
  });
});
