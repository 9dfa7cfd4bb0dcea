import { existsSync, readFileSync } from 'node:fs';

export const STACK_ENV_FILE = '.local/stack.env';

/**
 * Fills unset variables from the file `npm run stack` writes, so the local tools find a running
 * stack without `source`. Variables already set win: they may point at a real Kafka or an AWS emulator.
 */
export function adoptStackEnv(path = STACK_ENV_FILE): boolean {
  if (!existsSync(path)) return false;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match && process.env[match[1]!] === undefined) process.env[match[1]!] = match[2];
  }
  return true;
}
