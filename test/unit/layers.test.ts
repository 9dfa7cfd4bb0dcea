// The dependency rules of docs/architecture.md: the lint rules that enforce them refuse each
// forbidden edge and let each documented one through; the scorer loads the Kafka client late, the job at init.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** What a file loads as it is evaluated: static imports and re-exports of values, not types, not import(). */
function loadedAtImport(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const loaded: string[] = [];
  for (const m of source.matchAll(
    /(?:^|\n)\s*(?:import|export)\s+([^'";]*?)\s*from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'/g,
  )) {
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

type Verdict = 'refused' | 'allowed';

/** An import from a file of each folder, and whether the layer rules of .oxlintrc.json let it through. */
const EDGES: Array<[file: string, specifier: string, verdict: Verdict]> = [
  ['lib/core/x.ts', '../adapters/store.js', 'refused'],
  ['lib/core/x.ts', '@platformatic/kafka', 'refused'],
  ['lib/core/x.ts', 'aws-lambda', 'refused'],
  ['lib/core/x.ts', '@aws-sdk/client-dynamodb', 'refused'],
  ['lib/core/x.ts', '@aws-lambda-powertools/logger', 'refused'],
  ['lib/core/x.ts', '../../local/fixtures/index.js', 'refused'],
  ['lib/core/x.ts', './errors.js', 'allowed'],
  ['lib/core/x.ts', 'tdigest', 'allowed'],
  ['lib/core/x.ts', 'node:util', 'allowed'],
  ['lib/adapters/x.ts', '../score-batch.js', 'refused'],
  ['lib/adapters/x.ts', '../../test/support/stack.js', 'refused'],
  ['lib/adapters/x.ts', '../core/errors.js', 'allowed'],
  ['lib/adapters/x.ts', '@platformatic/kafka', 'allowed'],
  ['lib/x.ts', '../local/fixtures/index.js', 'refused'],
  ['lib/x.ts', '../functions/score.js', 'refused'],
  ['lib/x.ts', '../bench/run.js', 'refused'],
  ['lib/x.ts', '../test/support/stack.js', 'refused'],
  ['lib/x.ts', './adapters/store.js', 'allowed'],
  ['functions/x.ts', '../local/event-source-mapping/msk-event.js', 'refused'],
  ['functions/x.ts', '../test/support/stack.js', 'refused'],
  ['functions/x.ts', '../lib/score-batch.js', 'allowed'],
  ['bench/x.ts', '../test/support/stack.js', 'refused'],
  ['bench/x.ts', '../local/fixtures/index.js', 'allowed'],
  ['local/commands/x.ts', '../../test/support/stack.js', 'refused'],
  ['local/commands/x.ts', '../../bench/scorer.js', 'refused'],
  ['local/commands/x.ts', '../event-source-mapping/mapping.js', 'allowed'],
  ['local/commands/x.ts', '../report/progress.js', 'allowed'],
  ['local/services/x.ts', '../event-source-mapping/mapping.js', 'refused'],
  ['local/services/x.ts', '../commands/settings.js', 'allowed'],
  ['local/event-source-mapping/x.ts', '../commands/settings.js', 'refused'],
  ['local/event-source-mapping/x.ts', '../services/stack.js', 'refused'],
  ['local/event-source-mapping/x.ts', '../services/topic-reader.js', 'allowed'],
  ['local/generators/x.ts', '../fixtures/oracle.js', 'refused'],
  ['local/generators/x.ts', '../event-source-mapping/msk-event.js', 'allowed'],
  ['local/fixtures/x.ts', '../commands/settings.js', 'refused'],
  ['local/fixtures/x.ts', '../generators/activity.js', 'allowed'],
  ['local/fixtures/x.ts', '../services/topic-reader.js', 'allowed'],
  ['local/report/x.ts', '../services/stack.js', 'refused'],
  ['local/deploy/x.ts', '../generators/activity.js', 'refused'],
  ['local/deploy/x.ts', '../services/clients.js', 'allowed'],
  ['local/e2e/x.ts', '../commands/cli.js', 'refused'],
  ['local/e2e/x.ts', '../../test/support/stack.js', 'refused'],
  ['local/e2e/x.ts', '../event-source-mapping/mapping.js', 'allowed'],
  ['local/e2e/x.ts', '../fixtures/index.js', 'allowed'],
  ['local/a-new-folder/x.ts', '../services/stack.js', 'refused'],
  ['local/a-new-folder/x.ts', '../../lib/core/config.js', 'allowed'],
  ['test/unit/x.test.ts', '../../local/commands/settings.js', 'allowed'],
];

/**
 * Each edge in a file of its own in a scratch copy of the folders, linted with the project's config: the files refused.
 */
function refusedFiles(): Set<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    copyFileSync(join(ROOT, '.oxlintrc.json'), join(scratch, '.oxlintrc.json'));
    EDGES.forEach(([file, specifier], i) => {
      const path = join(scratch, file.replace(/\.ts$/, `-${i}.ts`));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `export * from '${specifier}';\n`);
    });
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/oxlint/bin/oxlint'), '-c', '.oxlintrc.json', '-f', 'json', '.'],
      {
        cwd: scratch,
        encoding: 'utf8',
      },
    );
    const report = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; filename: string }> };
    return new Set(report.diagnostics.filter((d) => d.code === 'eslint(no-restricted-imports)').map((d) => d.filename));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('the layer rules of .oxlintrc.json (what npm run lint enforces)', () => {
  const refused = refusedFiles();
  it.each(
    EDGES.map(([file, specifier, verdict], i) => ({
      file,
      specifier,
      verdict,
      linted: file.replace(/\.ts$/, `-${i}.ts`),
    })),
  )('$file importing $specifier: $verdict', ({ linted, verdict }) => {
    expect(refused.has(linted) ? 'refused' : 'allowed').toBe(verdict);
  });
});

describe('the functions at their start', () => {
  it('functions/score.ts loads no Kafka package at import: a container that never dead-letters never loads it', () => {
    const loaded = packagesLoadedBy('functions/score.ts');
    // The check sees the graph: the SDK's DynamoDB client is loaded at import.
    expect(loaded).toContain('@aws-sdk/client-dynamodb');
    expect([...loaded].filter((p) => /kafka/i.test(p))).toEqual([]);
  });

  it.each([
    ['functions/score.ts', false],
    ['functions/popular.ts', true],
  ])('%s has loaded the Kafka client when its init ends: %s', (entry, expected) => {
    expect(kafkaLoadedAfterInit(entry)).toBe(expected);
  });
});

/** Imports a function's module in a fresh process, as Lambda's init does, and says whether the Kafka client loaded. */
function kafkaLoadedAfterInit(entry: string): boolean {
  const script =
    `await import('./${entry}');` +
    "const { kafkaLibraryLoaded } = await import('./lib/adapters/kafka-client.ts');" +
    'console.log(JSON.stringify(kafkaLibraryLoaded()));';
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    // Settings that let each module's config load; nothing is contacted at init.
    env: {
      ...process.env,
      SCORES_TABLE: 'scores',
      KAFKA_BROKERS: 'b-1.example.invalid:9098',
      DLQ_TOPIC: 'activity-dlq',
      POPULAR_TOPIC: 'popular_users',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_METRICS_NAMESPACE: 'popular-users/test',
    },
  });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout.trim()) as boolean;
}
