import { describe, expect, it } from 'vitest';
import { repeatedTopLevelKeys } from '../../lib/core/json-keys.js';

describe('repeatedTopLevelKeys', () => {
  it.each([
    ['{"a":1,"a":2}', ['a']],
    ['{ "a" : 1 , "b" : 2 , "a" : 3 , "b" : 4 }', ['a', 'b']],
    ['{"a":1,"\\u0061":2}', ['a']],
    ['{"x":{"a":1,"a":2},"y":[{"a":1},{"a":2}]}', []],
    ['{"a":"a","b":"\\"a\\"","c":"{\\"a\\":1}"}', []],
    ['{"a\\\\":1,"a":2}', []],
    ['{}', []],
    ['[{"a":1,"a":2}]', []],
    ['"a"', []],
  ])('%s repeats %j', (text, keys) => {
    // Every case is JSON that JSON.parse accepts; only then does the reader ask.
    expect(() => JSON.parse(text)).not.toThrow();
    expect(repeatedTopLevelKeys(text)).toEqual(keys);
  });
});
