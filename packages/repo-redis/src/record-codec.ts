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

/** Most field names a {@link MemberPrefixes} keeps. */
const PREFIXES_KEPT = 256;

/**
 * The text `"name":` that starts a JSON object member, made once per field name: a repo's records
 * share a few names. Names past the first {@link PREFIXES_KEPT} are made each time, not kept.
 */
export class MemberPrefixes {
  private readonly kept = new Map<string, string>();

  of(name: string): string {
    let prefix = this.kept.get(name);
    if (prefix === undefined) {
      prefix = `${JSON.stringify(name)}:`;
      if (this.kept.size < PREFIXES_KEPT) this.kept.set(name, prefix);
    }
    return prefix;
  }
}

/**
 * The JSON text of the record whose pairs {@link pushPairs} pushed into `args` at `at` (the count,
 * then name/text pairs), joined from those very texts: for a record (a JSON tree, as
 * prepareCreate makes it) that is the text JSON.stringify gives, without stringifying every value
 * a second time. A create with a change feed sends it as its message's `dto`.
 */
export function pairsJson(args: readonly (string | number)[], at: number, prefixes: MemberPrefixes): string {
  const first = at + 1;
  const end = first + 2 * (args[at] as number);
  let json = '{';
  for (let i = first; i < end; i += 2) {
    if (i !== first) json += ',';
    json += prefixes.of(args[i] as string) + (args[i + 1] as string);
  }
  return `${json}}`;
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

/** Longest field name (bytes) and most fields a {@link FieldNames} keeps. */
const NAME_BYTES = 64;
const NAME_POSITIONS = 64;

/** A name kept at a position is replaced on every this-many-th miss there (the first time at once). */
const REPLACE_EVERY = 8;

/**
 * Field names a repo has read, by position, as bytes and as text. The records one repo writes
 * list their fields in one order (a small hash keeps insertion order), so a retrieve usually finds
 * each name here: comparing a few bytes replaces a UTF-8 decode, and the record gets the same
 * (internalized) key string every time, which V8 stores faster. The first name read at a position
 * is kept; a name that differs replaces it only on every 8th miss there, so records of mixed
 * layouts cost a byte comparison per name rather than a copy. Measured on an 8-field record (a
 * scratch loop over the same reply Buffers): one layout 1.57 µs to decode without, 0.73 µs with;
 * two layouts alternating 1.42 µs without, 1.22 µs with.
 */
export class FieldNames {
  private readonly bytes: (Buffer | undefined)[] = [];
  private readonly names: string[] = [];
  private readonly misses: number[] = [];

  /**
   * The text of the name `part` at `position`: the kept string when its bytes are the same. A name
   * decoded here is checked with {@link assertFieldName} first, so a kept name never needs it.
   */
  text(part: Buffer, position: number): string {
    const kept = this.bytes[position];
    if (kept !== undefined && kept.length === part.length) {
      let i = 0;
      while (i < part.length && kept[i] === part[i]) i++;
      if (i === part.length) return this.names[position]!;
    }
    const name = assertFieldName(part.toString());
    if (position < NAME_POSITIONS && part.length <= NAME_BYTES && (kept === undefined || ++this.misses[position]! % REPLACE_EVERY === 0)) {
      // A copy: the reply's Buffer is a view of a whole socket read, which must not be kept alive.
      this.bytes[position] = Buffer.from(part);
      this.names[position] = name;
      this.misses[position] = 0;
    }
    return name;
  }
}

/** `name`, unless a record must not have it: written values never carry these keys, and data from another writer must not reach a prototype. */
function assertFieldName(name: string): string {
  if (FORBIDDEN_FIELDS.has(name)) throw new SyntaxError(`forbidden field "${name}"`);
  return name;
}

// Node's own decoders of a Buffer range (what `toString(encoding, start, end)` calls after checking
// its arguments and looking up the encoding), taken when Buffer has them, else toString. Counted
// with callgrind over 30,000 retrieves of an 8-field record (6 of its values strings), client side:
// with these, an ASCII string as Latin-1 (a copy, no UTF-8 decode) and a kept field name not looked
// up among the forbidden ones again, about 2,100 fewer instructions a retrieve (58,800 -> 56,600).
type SliceOf = (this: Buffer, start: number, end: number) => string;
function nodeSlice(encoding: 'latin1' | 'utf8'): SliceOf {
  const own = (Buffer.prototype as unknown as Record<string, unknown>)[`${encoding}Slice`];
  return typeof own === 'function' ? (own as SliceOf) : function (this: Buffer, start, end) { return this.toString(encoding, start, end); };
}
const latin1Slice = nodeSlice('latin1');
const utf8Slice = nodeSlice('utf8');

/** Most bytes of an integer read digit by digit: 15 digits (or '-' and 14) stay exact in a double. */
const INTEGER_BYTES = 15;

/**
 * {@link parseStoredValue} of a reply element still in bytes. The two most common values are read
 * from the bytes: a string without escapes (one decode of the part between the quotes, no regular
 * expression; ASCII bytes are copied as Latin-1, others decoded as UTF-8) and an integer of up to
 * 15 bytes (no decode at all). Anything else goes to
 * {@link parseStoredValue}, with the same result and the same errors as `JSON.parse`.
 */
export function parseStoredBytes(part: Buffer): unknown {
  const n = part.length;
  const first = part[0];
  if (first === 34 /* " */) {
    if (n >= 2 && part[n - 1] === 34) {
      let i = 1;
      let bits = 0;
      for (; i < n - 1; i++) {
        const c = part[i]!;
        // A quote, a backslash or a raw control character: JSON.parse decides.
        if (c === 34 || c === 92 || c < 32) break;
        bits |= c;
      }
      // ASCII (no byte from 0x80) is its own Latin-1 text: a copy, where UTF-8 is decoded.
      if (i === n - 1) return bits < 0x80 ? latin1Slice.call(part, 1, n - 1) : utf8Slice.call(part, 1, n - 1);
    }
  } else if (n <= INTEGER_BYTES && first !== undefined && ((first >= 48 && first <= 57) || first === 45) /* 0-9, - */) {
    const start = first === 45 ? 1 : 0;
    // JSON has no leading zero ("01", "-01"): those go to JSON.parse, which refuses them.
    if (start < n && !(part[start] === 48 && n > start + 1)) {
      let value = 0;
      let i = start;
      for (; i < n; i++) {
        const c = part[i]!;
        if (c < 48 || c > 57) break;
        value = value * 10 + (c - 48);
      }
      if (i === n) return start === 1 ? -value : value; // "-0" is -0, as JSON.parse reads it
    }
  }
  return parseStoredValue(utf8Slice.call(part, 0, n));
}

/**
 * A record from a flat [field, value, ...] reply, as strings or as Buffers (`callBuffer`: ioredis
 * then skips its own per-element conversion, which measured about 9% of a retrieve's client time);
 * undefined for a missing (empty) hash. With `names`, the Buffers' field names are looked up there
 * first (see {@link FieldNames}).
 */
export function decodeFlat<T>(flat: readonly (string | Buffer)[], names?: FieldNames): T | undefined {
  if (!Array.isArray(flat) || flat.length === 0) return undefined;
  const record: Record<string, unknown> = {};
  let i = 0;
  try {
    for (; i < flat.length; i += 2) {
      const name = flat[i]!;
      const value = flat[i + 1]!;
      const field = typeof name === 'string' ? assertFieldName(name) : names === undefined ? assertFieldName(name.toString()) : names.text(name, i >> 1);
      record[field] = typeof value === 'string' ? parseStoredValue(value) : parseStoredBytes(value);
    }
  } catch (cause) {
    // String() of a Buffer is its UTF-8 text (`toString()`, Node's direct UTF-8 decode).
    const field = String(flat[i]);
    throw new MotifsErrorSerialization(`stored record field "${field}" cannot be decoded`, { cause, issues: [{ path: [field], message: String((cause as Error).message) }] });
  }
  return record as T;
}
