// The V8 heap limits Lambda's Node runtime starts a function with, so a bench child measures the
// memory the deployed function would use, not what Node picks from this machine's RAM.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const TEMPLATE = resolve(import.meta.dirname, '../serverless.yml');

/**
 * The runtime's bootstrap (/var/runtime/bootstrap in AWS's Node base images) gives a tenth of the
 * function's memory to the young generation, half of that to each semi-space, and the rest to the
 * old generation, in whole megabytes: 256 MB gives 12 and 231, 1,024 MB gives 51 and 922.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/** A function's `memorySize` in serverless.yml (its block under `functions:`). */
export function functionMemoryMb(name: string, template = readFileSync(TEMPLATE, 'utf8')): number {
  const block = new RegExp(`^functions:\\n(?:.*\\n)*?  ${name}:\\n((?:    .*\\n|\\s*\\n)*)`, 'm').exec(template)?.[1];
  const size = block === undefined ? undefined : /^    memorySize: (\d+)\s*$/m.exec(block)?.[1];
  if (size === undefined) throw new Error(`serverless.yml: no memorySize under functions.${name}`);
  return Number(size);
}
