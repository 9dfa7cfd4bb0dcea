// JSON.parse keeps the last of two equal keys without a word; settings that name a key twice are
// ambiguous, so the reader asks which keys the text repeats.

/**
 * The keys named more than once at the top level of a JSON object, compared as decoded strings
 * ("a" and "\u0061" are one key). Expects text that JSON.parse accepted; any other top level has none.
 */
export function repeatedTopLevelKeys(text: string): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  let depth = 0;
  let topIsObject = false;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (topIsObject && depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (seen.has(key)) repeated.add(key);
        seen.add(key);
        expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) topIsObject = expectKey = c === '{';
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = topIsObject;
  }
  return [...repeated];
}
