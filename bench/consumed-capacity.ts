// Capacity units as DynamoDB reports them, counted from outside the code under test: a middleware on
// the client asks every read and write for `ReturnConsumedCapacity: TOTAL` and adds up the answers.
// The store and the scan are unchanged: the flag neither changes what a request does nor what it costs.
import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);
const READS = new Set(['GetItemCommand', 'ScanCommand', 'QueryCommand', 'BatchGetItemCommand']);

export interface CapacityTally {
  writeUnits: number;
  readUnits: number;
  /** Requests whose answer carried consumed capacity. */
  requests: number;
  /** Requests that failed (a refused condition among them): DynamoDB bills a refused write too, but reports nothing. */
  failed: number;
  reset(): void;
}

/** Installs the counting middleware on `client` and returns its running totals. */
export function trackConsumedCapacity(client: DynamoDBClient): CapacityTally {
  const tally: CapacityTally = {
    writeUnits: 0,
    readUnits: 0,
    requests: 0,
    failed: 0,
    reset() {
      tally.writeUnits = tally.readUnits = tally.requests = tally.failed = 0;
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const isWrite = WRITES.has(command);
      if (!isWrite && !READS.has(command)) return next(args);
      const input = args.input as { ReturnConsumedCapacity?: string };
      try {
        const result = await next({
          ...args,
          input: { ...input, ReturnConsumedCapacity: input.ReturnConsumedCapacity ?? 'TOTAL' },
        });
        const reported = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
          .ConsumedCapacity;
        for (const c of Array.isArray(reported) ? reported : reported === undefined ? [] : [reported]) {
          const units = c.CapacityUnits ?? (isWrite ? c.WriteCapacityUnits : c.ReadCapacityUnits) ?? 0;
          if (isWrite) tally.writeUnits += units;
          else tally.readUnits += units;
        }
        if (reported !== undefined) tally.requests++;
        return result;
      } catch (err) {
        tally.failed++;
        throw err;
      }
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  return tally;
}
