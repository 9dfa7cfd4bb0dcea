// The stand-in's other target: a function deployed behind the Lambda Invoke API (on AWS, or on the AWS emulator `npm
// run e2e` deploys to).
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { MSKEvent } from 'aws-lambda';
import { FunctionError } from './delivery.js';
import type { MskInvoker } from './mapping-options.js';

/** Invokes `functionName` synchronously with each MSK event; a function error fails the batch, as it does on AWS. */
export function lambdaInvoker(client: LambdaClient, functionName: string): MskInvoker {
  return async (event: MSKEvent) => {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    const text = out.Payload === undefined ? '' : Buffer.from(out.Payload).toString('utf8');
    if (out.FunctionError !== undefined) {
      let message = text;
      try {
        const body = JSON.parse(text) as { errorType?: string; errorMessage?: string };
        message = `${body.errorType ?? 'Error'}: ${body.errorMessage ?? text}`;
      } catch {
        // an unparsable error payload is reported as it came
      }
      throw new FunctionError(`${functionName} failed (${out.FunctionError}): ${message}`, { retriable: true });
    }
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
}
