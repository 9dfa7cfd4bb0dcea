import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Figure } from '../../bench/cost-model.js';
import {
  benchFigures,
  COST_DOC,
  readCostBlock,
  renderCostBlock,
  replaceCostBlock,
  type ResultsFile,
} from '../../bench/cost-doc.js';

const doc = readFileSync(COST_DOC, 'utf8');

describe('docs/scale-and-cost.md', () => {
  it('holds the worked tables exactly as the cost model renders them from the bench figures the block names', () => {
    const { block, source } = readCostBlock(doc);
    expect(source.figures.length).toBeGreaterThan(10);
    // Line by line, so a failure shows the row that drifted.
    expect(block.split('\n')).toEqual(renderCostBlock(source).split('\n'));
  });

  it('names a bench row for every figure the tables use', () => {
    const { source } = readCostBlock(doc);
    const figures = Object.values(benchFigures(source)) as (Figure | Record<string, Figure>)[];
    for (const figure of figures.flatMap((f): Figure[] =>
      'row' in f && typeof f.row === 'string' ? [f as Figure] : Object.values(f as Record<string, Figure>),
    )) {
      expect(figure.row).toMatch(/^(Popular-users job|Scorer|Consumed capacity|Kafka)\b/);
    }
  });
});

describe('replaceCostBlock', () => {
  it('replaces the generated block and keeps the prose around it', () => {
    const text = 'before\n<!-- cost-model:begin old -->\nold tables\n<!-- cost-model:end -->\nafter\n';
    const block = '<!-- cost-model:begin new -->\nnew tables\n<!-- cost-model:end -->';
    expect(replaceCostBlock(text, block)).toBe(`before\n${block}\nafter\n`);
    expect(() => replaceCostBlock('no block here', block)).toThrow(/no "<!-- cost-model:begin" .* block/);
  });
});

describe('benchFigures', () => {
  it('names the bench area to run when results.json lacks a figure', () => {
    const results: Pick<ResultsFile, 'figures'> = { figures: [] };
    expect(() => benchFigures(results)).toThrow(
      /job\.scan-items-per-second-per-segment: run `npm run bench -- --only job`/,
    );
  });
});
