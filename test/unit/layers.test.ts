// The dependency rules of docs/architecture.md, checked on the source rather than trusted.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CORE = join(ROOT, 'lib/core');

/** Every module specifier a file imports or re-exports, types included. */
function specifiers(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

describe('lib/core', () => {
  const files = readdirSync(CORE).filter((f) => f.endsWith('.ts'));

  it('is what the check reads: every core file, with its imports', () => {
    expect(files).toContain('popular-run.ts');
    expect(specifiers(join(CORE, 'popular-run.ts'))).toContain('./record-size.js');
  });

  it.each(files)('%s imports nothing of ours outside lib/core, and no Kafka client, not even its types', (file) => {
    const outside = specifiers(join(CORE, file)).filter((s) => s.startsWith('.') && !s.startsWith('./'));
    const kafka = specifiers(join(CORE, file)).filter((s) => !s.startsWith('.') && /kafka/i.test(s));
    expect({ outside, kafka }).toEqual({ outside: [], kafka: [] });
  });
});
