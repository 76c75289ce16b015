import { MotifsErrorSerialization, type ValidationIssue } from './errors.js';

/** Turns values into strings and back. Adapters default to {@link jsonCodec}. */
export interface Codec {
  encode(value: unknown): string;
  decode<T = unknown>(text: string): T;
}

/**
 * Throws {@link MotifsErrorSerialization} unless `value` survives `JSON.stringify` + `JSON.parse`
 * unchanged in meaning: no undefined, functions, symbols, BigInt, cycles, non-finite numbers,
 * Maps, Sets or other class instances without `toJSON`. A Date is accepted and becomes its ISO string.
 */
export function assertJsonSafe(value: unknown, what = 'value'): void {
  const ancestors = new Set<object>();
  const fail = (path: (string | number)[], message: string): never => {
    const issue: ValidationIssue = { path, message };
    const where = path.length ? ` at ${path.map(String).join('.')}` : '';
    throw new MotifsErrorSerialization(`${what}${where} cannot be stored as JSON: ${message}`, { issues: [issue] });
  };
  const walk = (node: unknown, path: (string | number)[]): void => {
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
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
      if (obj instanceof Date && Number.isNaN(obj.getTime())) fail(path, 'invalid Date');
      ancestors.add(obj);
      walk((obj as { toJSON(): unknown }).toJSON(), path);
      ancestors.delete(obj);
      return;
    }
    ancestors.add(obj);
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        if (!(i in obj)) fail([...path, i], 'sparse arrays do not round-trip');
        walk(obj[i], [...path, i]);
      }
    } else {
      const proto = Object.getPrototypeOf(obj);
      if (proto !== Object.prototype && proto !== null) {
        fail(path, `${proto?.constructor?.name ?? 'this object'} instances do not round-trip (use a plain object)`);
      }
      for (const key of Object.keys(obj)) walk((obj as Record<string, unknown>)[key], [...path, key]);
    }
    ancestors.delete(obj);
  };
  walk(value, []);
}

/** Validates then stringifies; the string is what every backend stores. */
export function encodeJson(value: unknown, what = 'value'): string {
  assertJsonSafe(value, what);
  return JSON.stringify(value);
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
