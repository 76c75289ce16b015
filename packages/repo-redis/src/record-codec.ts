import { MotifsErrorSerialization, isIndexable } from '@motifs/core/kit';

/** Records read or written per script call when many are handled. */
export const BATCH = 1000;

const FORBIDDEN_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);

/** What a script needs to index a value: its JSON text and a ZADD score ('' for a non-number); none for objects and arrays. */
export function indexEntry(value: unknown): { valueJson: string; score: string } | undefined {
  if (!isIndexable(value)) return undefined;
  return { valueJson: JSON.stringify(value), score: typeof value === 'number' ? String(value) : '' };
}

/** Appends `n, field1, json1, ...`: a record (or patch) as the hash fields a script writes. */
export function pushPairs(args: (string | number)[], fields: Record<string, unknown>): void {
  const keys = Object.keys(fields);
  args.push(keys.length);
  for (const key of keys) args.push(key, JSON.stringify(fields[key]));
}

// The JSON grammar of a string without escapes, and of a number: for these two (most stored values)
// the value is read without starting the JSON parser, which costs more than the text itself.
// eslint-disable-next-line no-control-regex -- JSON strings cannot hold raw U+0000..U+001F: those go to JSON.parse
const PLAIN_STRING = /^"[^"\\\u0000-\u001f]*"$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * `JSON.parse(text)` for one stored field value, with the same result and the same errors: a
 * string without escapes and a number are read directly, anything else goes to `JSON.parse`.
 */
export function parseStoredValue(text: string): unknown {
  const first = text.charCodeAt(0);
  if (first === 34 /* " */) {
    if (PLAIN_STRING.test(text)) return text.slice(1, -1);
  } else if ((first >= 48 && first <= 57) || first === 45 /* 0-9, - */) {
    if (NUMBER.test(text)) return Number(text);
  }
  return JSON.parse(text);
}

/** UTF-8 text of a reply element: `toString()` with no argument is Node's direct UTF-8 decode. */
const text = (part: string | Buffer): string => (typeof part === 'string' ? part : part.toString());

/**
 * A record from a flat [field, value, ...] reply, as strings or as Buffers (`callBuffer`: ioredis
 * then skips its own per-element conversion, which measured about 9% of a retrieve's client time);
 * undefined for a missing (empty) hash.
 */
export function decodeFlat<T>(flat: readonly (string | Buffer)[]): T | undefined {
  if (!Array.isArray(flat) || flat.length === 0) return undefined;
  const record: Record<string, unknown> = {};
  let i = 0;
  try {
    for (; i < flat.length; i += 2) {
      const field = text(flat[i]!);
      // Written values never carry these keys; data from another writer must not reach a prototype.
      if (FORBIDDEN_FIELDS.has(field)) throw new SyntaxError(`forbidden field "${field}"`);
      record[field] = parseStoredValue(text(flat[i + 1]!));
    }
  } catch (cause) {
    // String() of a Buffer is its UTF-8 text, as text() gives.
    const field = String(flat[i]);
    throw new MotifsErrorSerialization(`stored record field "${field}" cannot be decoded`, { cause, issues: [{ path: [field], message: String((cause as Error).message) }] });
  }
  return record as T;
}
