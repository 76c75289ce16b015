import { MotifsErrorSerialization, type ValidationIssue } from './errors.js';

/** Turns values into strings and back. Adapters default to {@link jsonCodec}. */
export interface Codec {
  encode(value: unknown): string;
  decode<T = unknown>(text: string): T;
}

/**
 * Deepest nesting of objects and arrays a value may have (the top-level object or array is level 1).
 * Deeper values are refused with {@link MotifsErrorSerialization} by every backend, instead of one
 * accepting them and another overflowing its stack.
 */
export const MAX_JSON_DEPTH = 1000;

/** What a `toJSON` or getter threw, as the serialization error the caller gets. */
function userCodeFailed(what: string, path: (string | number)[], cause: unknown): MotifsErrorSerialization {
  const where = path.length ? ` at ${path.map(String).join('.')}` : '';
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new MotifsErrorSerialization(`${what}${where} cannot be stored as JSON: reading it threw (${reason})`, {
    cause,
    issues: [{ path, message: 'a getter or toJSON threw' }],
  });
}

/**
 * Throws {@link MotifsErrorSerialization} unless `value` survives `JSON.stringify` + `JSON.parse`
 * unchanged in meaning: no undefined, functions, symbols, BigInt, cycles, non-finite numbers,
 * Maps, Sets or other class instances without `toJSON`, nothing nested deeper than
 * {@link MAX_JSON_DEPTH}. A Date is accepted and becomes its ISO string. `toJSON` is called as
 * `JSON.stringify` calls it (once per value, with the property name; its result's own `toJSON` is
 * not called). A getter or `toJSON` that throws gives a serialization error whose `cause` is the
 * thrown value.
 */
export function assertJsonSafe(value: unknown, what = 'value'): void {
  const ancestors = new Set<object>();
  const fail = (path: (string | number)[], message: string): never => {
    const issue: ValidationIssue = { path, message };
    const where = path.length ? ` at ${path.map(String).join('.')}` : '';
    throw new MotifsErrorSerialization(`${what}${where} cannot be stored as JSON: ${message}`, { issues: [issue] });
  };
  const walk = (node: unknown, path: (string | number)[], depth: number, converted: boolean): void => {
    switch (typeof node) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(node)) fail(path, `${node} is not a finite number`);
        return;
      case 'undefined':
        return fail(path, 'undefined is not JSON');
      case 'function':
        return fail(path, 'functions are not JSON');
      case 'symbol':
        return fail(path, 'symbols are not JSON');
      case 'bigint':
        return fail(path, 'BigInt is not JSON');
    }
    if (node === null) return;
    const obj = node as object;
    if (ancestors.has(obj)) fail(path, 'the value contains a cycle');
    if (!converted) {
      let toJSON: unknown;
      try {
        toJSON = (obj as { toJSON?: unknown }).toJSON;
      } catch (cause) {
        throw userCodeFailed(what, path, cause);
      }
      if (typeof toJSON === 'function') {
        if (obj instanceof Date && Number.isNaN(obj.getTime())) fail(path, 'invalid Date');
        let json: unknown;
        try {
          json = (toJSON as (key: string) => unknown).call(obj, path.length ? String(path[path.length - 1]) : '');
        } catch (cause) {
          throw userCodeFailed(what, path, cause);
        }
        ancestors.add(obj);
        walk(json, path, depth, true);
        ancestors.delete(obj);
        return;
      }
    }
    if (depth >= MAX_JSON_DEPTH) fail(path, `nested deeper than ${MAX_JSON_DEPTH} levels`);
    ancestors.add(obj);
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        if (!(i in obj)) fail([...path, i], 'sparse arrays do not round-trip');
        let item: unknown;
        try {
          item = obj[i];
        } catch (cause) {
          throw userCodeFailed(what, [...path, i], cause);
        }
        walk(item, [...path, i], depth + 1, false);
      }
    } else {
      const proto = Object.getPrototypeOf(obj);
      if (proto !== Object.prototype && proto !== null) {
        fail(path, `${proto?.constructor?.name ?? 'this object'} instances do not round-trip (use a plain object)`);
      }
      for (const key of Object.keys(obj)) {
        let item: unknown;
        try {
          item = (obj as Record<string, unknown>)[key];
        } catch (cause) {
          throw userCodeFailed(what, [...path, key], cause);
        }
        walk(item, [...path, key], depth + 1, false);
      }
    }
    ancestors.delete(obj);
  };
  try {
    walk(value, [], 0, false);
  } catch (error) {
    // Our own verdicts pass through; anything else (a Proxy trap that throws, ...) is the value's fault.
    if (error instanceof MotifsErrorSerialization) throw error;
    throw userCodeFailed(what, [], error);
  }
}

/**
 * Validates then stringifies; the string is what every backend stores.
 * @throws MotifsErrorSerialization as {@link assertJsonSafe}, also when a getter or `toJSON` throws
 *   only the second time it is read
 */
export function encodeJson(value: unknown, what = 'value'): string {
  assertJsonSafe(value, what);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw userCodeFailed(what, [], cause);
  }
  // A getter that returned JSON when checked and undefined (or a function) now: refuse, never store nothing.
  if (typeof text !== 'string') throw new MotifsErrorSerialization(`${what} cannot be stored as JSON: it changed while being encoded`);
  return text;
}

/** Parses stored text, turning corrupt data into a typed error instead of a SyntaxError. */
export function decodeJson<T = unknown>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new MotifsErrorSerialization('stored data is not valid JSON', { cause, details: { sample: text.slice(0, 64) } });
  }
}

/** The default codec: strict JSON that rejects what cannot round-trip. */
export const jsonCodec: Codec = { encode: (value) => encodeJson(value), decode: decodeJson };
