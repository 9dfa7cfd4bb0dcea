import { afterEach, describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

// The README and the pages under docs/ link to each other by file and heading; a renamed heading or a
// moved page must fail here, not on the reader.

/** The lines outside fenced code blocks, where headings and links are what they look like. */
function linesOutsideFences(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a file offers, numbered as GitHub numbers repeated headings (`x`, `x-1`, ...). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of linesOutsideFences(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Targets of inline links and images, and of reference definitions, outside code blocks and code spans. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of linesOutsideFences(markdown).map((l) => l.replace(/(`+)(.+?)\1/g, ''))) {
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(line);
    if (definition) targets.push(definition[1]!);
  }
  return targets;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** Every relative link or anchor in `files` that does not resolve, as `file: target (why)`. */
function brokenLinks(root: string, files: string[]): string[] {
  const broken: string[] = [];
  for (const file of files) {
    const path = join(root, file);
    for (const target of linkTargets(readFileSync(path, 'utf8'))) {
      if (isExternal(target)) continue;
      const [pathPart = '', anchor] = target.split('#', 2);
      const destination = pathPart === '' ? path : resolve(dirname(path), decodeURIComponent(pathPart));
      if (!existsSync(destination)) {
        broken.push(`${file}: ${target} (no such file: ${relative(root, destination)})`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(destination).isDirectory() || !destination.endsWith('.md')) {
        broken.push(`${file}: ${target} (an anchor into something that is not a markdown file)`);
        continue;
      }
      if (!anchorsOf(readFileSync(destination, 'utf8')).has(decodeURIComponent(anchor)))
        broken.push(`${file}: ${target} (no heading with the anchor #${anchor} in ${relative(root, destination)})`);
    }
  }
  return broken;
}

const docsPages = () =>
  readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);

describe('links in README.md and docs/', () => {
  it('every relative link and #anchor resolves to a file and one of its headings', () => {
    const files = ['README.md', ...docsPages()];
    expect(files.length).toBeGreaterThan(5);
    expect(brokenLinks('.', files)).toEqual([]);
  });

  it('every page under docs/ is listed in the docs index and the index in the README', () => {
    const index = linkTargets(readFileSync('docs/README.md', 'utf8')).map((t) => t.split('#')[0]);
    const unlisted = docsPages().filter(
      (page) => page !== 'docs/README.md' && !index.includes(page.slice('docs/'.length)),
    );
    expect(unlisted).toEqual([]);
    expect(linkTargets(readFileSync('README.md', 'utf8'))).toContain('docs/README.md');
  });
});

describe('the link checker', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reports a missing file, a missing anchor and an anchor into a folder, and ignores code and external links', () => {
    dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'page.md'), '# A page\n\n## What `npm start` does\n\n## Twice\n\n## Twice\n');
    writeFileSync(
      join(dir, 'README.md'),
      [
        '# Readme',
        'Fine: [page](docs/page.md), [heading](docs/page.md#what-npm-start-does), [second](docs/page.md#twice-1), [here](#readme).',
        'Fine: [site](https://example.com/missing.md), [mail](mailto:a@example.com), `[in code](nowhere.md)`.',
        '```md',
        '[in a fence](nowhere.md)',
        '```',
        'Broken: [gone](docs/gone.md), [no heading](docs/page.md#what-npm-test-does), [folder](docs#x), [self](#nothing).',
        '[ref]: ./docs/also-gone.md',
      ].join('\n'),
    );
    expect(brokenLinks(dir, ['README.md'])).toEqual([
      'README.md: docs/gone.md (no such file: docs/gone.md)',
      'README.md: docs/page.md#what-npm-test-does (no heading with the anchor #what-npm-test-does in docs/page.md)',
      'README.md: docs#x (an anchor into something that is not a markdown file)',
      'README.md: #nothing (no heading with the anchor #nothing in README.md)',
      'README.md: ./docs/also-gone.md (no such file: docs/also-gone.md)',
    ]);
  });

  it.each([
    ['What `npm start` does', 'what-npm-start-does'],
    ['A score near 2^53', 'a-score-near-253'],
    ['The trigger: every setting, and why', 'the-trigger-every-setting-and-why'],
    [
      'Accuracy: why the job does not publish `score > digest estimate`',
      'accuracy-why-the-job-does-not-publish-score--digest-estimate',
    ],
    ['Node.js 24 everywhere', 'nodejs-24-everywhere'],
    [
      "Kafka: the local broker's raw limits (Apache Kafka 4.1.2, one KRaft node)",
      'kafka-the-local-brokers-raw-limits-apache-kafka-412-one-kraft-node',
    ],
    ['Troubleshooting (local)', 'troubleshooting-local'],
    ['see [the docs](docs/README.md) first', 'see-the-docs-first'],
  ])('slugs %j as GitHub does: #%s', (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug);
  });
});
