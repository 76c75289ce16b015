/** A value nested `depth` arrays deep (`[[[0]]]` for 3), built without recursion. */
export function nestedArrays(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/**
 * Strings that are not well-formed UTF-16 (they hold a lone surrogate). UTF-8, and so Redis keys and
 * Kafka keys and headers, cannot hold them: each would come back with U+FFFD in its place.
 */
export const LONE_SURROGATE_STRINGS: readonly [string, string][] = [
  ['a lone high surrogate', 'a\ud800b'],
  ['a lone low surrogate', 'a\udc00b'],
  ['a trailing high surrogate', 'key\udbff'],
  ['a reversed pair', '\udc00\ud800'],
];
