// The dependency rules of docs/architecture.md, checked on the source rather than trusted.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CORE = join(ROOT, 'lib/core');

/** Every module specifier a file imports or re-exports, types included. */
function specifiers(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

/** What a file loads as it is evaluated: static imports and re-exports of values, not types, not import(). */
function loadedAtImport(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const loaded: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s+([^'";]*?)\s*from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'/g)) {
    if (m[3] !== undefined) {
      loaded.push(m[3]);
      continue;
    }
    const clause = m[1]!.trim();
    const named = /^\{([^}]*)\}$/
      .exec(clause)?.[1]
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    if (clause.startsWith('type ') || named?.every((n) => n.startsWith('type '))) continue;
    loaded.push(m[2]!);
  }
  return loaded;
}

/** Every package a function's module graph loads at import, following our own files. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of loadedAtImport(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(join(ROOT, entry));
  return packages;
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

describe('the functions at their start', () => {
  it.each(['functions/score.ts', 'functions/popular.ts'])('%s loads the Kafka client on first use, not at import', (entry) => {
    const loaded = packagesLoadedBy(entry);
    // The check sees the graph: the SDK's DynamoDB client is loaded at import.
    expect(loaded).toContain('@aws-sdk/client-dynamodb');
    expect([...loaded].filter((p) => /kafka/i.test(p))).toEqual([]);
  });
});
