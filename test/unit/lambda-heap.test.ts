import { describe, expect, it } from 'vitest';
import { functionMemoryMb, lambdaHeapFlags } from '../../bench/lambda-heap.js';

describe('lambdaHeapFlags', () => {
  it("gives the semi-space and old-space sizes of Lambda's Node bootstrap", () => {
    expect(lambdaHeapFlags(256)).toEqual(['--max-semi-space-size=12', '--max-old-space-size=231']);
    expect(lambdaHeapFlags(1024)).toEqual(['--max-semi-space-size=51', '--max-old-space-size=922']);
  });
});

describe('functionMemoryMb', () => {
  const template = [
    'functions:',
    '  score:',
    '    handler: functions/score.handler',
    '    memorySize: 512',
    '',
    '  popular:',
    '    handler: functions/popular.handler',
    '    memorySize: 1024',
    '    environment:',
    '      MEMORY: 3',
    'custom:',
    '  memorySize: 7',
    '',
  ].join('\n');

  it("reads each function's own memorySize", () => {
    expect(functionMemoryMb('score', template)).toBe(512);
    expect(functionMemoryMb('popular', template)).toBe(1024);
  });

  it('names the function when it has none', () => {
    expect(() => functionMemoryMb('trending', template)).toThrow(
      'serverless.yml: no memorySize under functions.trending',
    );
  });
});
