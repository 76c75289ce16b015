import { encodeJson } from './codec.js';

/**
 * Deep copy of a value that came out of `JSON.parse` (plain objects, arrays, strings, finite numbers,
 * booleans, null). Several times faster than `structuredClone`, a JSON round-trip or a general
 * cloner, because it never has to consider prototypes, cycles or exotic types.
 *
 * Only give it JSON trees: a Date, Map or class instance would be copied as a plain object.
 * @example
 * const stored = JSON.parse(encodeJson(value)); // once, on write
 * const copy = copyJson(stored);                  // on every read
 */
export function copyJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  // Spreading / slicing lets V8 clone a whole object or array at once (same hidden class); only
  // nested objects then need replacing. Much faster than building the copy key by key.
  if (Array.isArray(value)) {
    const out = value.slice();
    for (let i = 0; i < out.length; i++) {
      const item: unknown = out[i];
      if (typeof item === 'object' && item !== null) out[i] = copyJson(item);
    }
    return out as T;
  }
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  // for-in walks V8's cached key list without allocating one (Object.keys would): about a third
  // faster. It would also meet enumerable properties someone added to Object.prototype: those are
  // not own, and are left alone.
  for (const key in out) {
    const item = out[key];
    if (typeof item !== 'object' || item === null || !Object.hasOwn(out, key)) continue;
    // JSON.parse makes "__proto__" an own data property; plain assignment would set the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copyJson(item), enumerable: true, writable: true, configurable: true });
    else out[key] = copyJson(item);
  }
  return out as T;
}

/** Thrown inside {@link toJsonTree}'s fast path to hand the value to the precise (slow) checker. */
const BAIL = Symbol('bail');

/** Deep values are rare; past this depth the slow path answers (and spots cycles). */
const FAST_DEPTH = 100;

/** A primitive as JSON has it, or BAIL for what JSON cannot hold. Objects are returned as they are. */
function leaf(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'object':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw BAIL;
      return value === 0 ? 0 : value; // JSON has no -0
    default:
      throw BAIL;
  }
}

function tree(value: unknown, key: string, depth: number): unknown {
  const v = leaf(value);
  if (typeof v !== 'object' || v === null) return v;
  if (depth > FAST_DEPTH) throw BAIL;
  if (Array.isArray(v)) {
    // JSON.stringify honours a toJSON even on an array; leave that rarity to the precise checker.
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') throw BAIL;
    const out = v.slice();
    for (let i = 0; i < out.length; i++) {
      // A hole reads as undefined (as JSON.stringify would read it, through the prototype): BAIL.
      const item: unknown = out[i];
      switch (typeof item) {
        case 'string':
        case 'boolean':
          continue;
        case 'number':
          if (!Number.isFinite(item)) throw BAIL;
          if (item === 0) out[i] = 0; // JSON has no -0
          continue;
        case 'object':
          if (item !== null) out[i] = tree(item, String(i), depth + 1);
          continue;
        default:
          throw BAIL;
      }
    }
    return out;
  }
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    if (v instanceof Date && Number.isNaN(v.getTime())) throw BAIL;
    const json: unknown = toJSON.call(v, key);
    // JSON.stringify does not call the result's own toJSON; the precise checker handles that rare case.
    if (typeof json === 'object' && json !== null && typeof (json as { toJSON?: unknown }).toJSON === 'function') throw BAIL;
    return tree(json, key, depth + 1);
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw BAIL;
  // Spread copies the own enumerable properties in one go (getters run once, as in JSON.stringify).
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  // for-in walks V8's cached key list without allocating one. Strings and booleans need nothing;
  // anything that does is checked to be own first (for-in also meets enumerable properties added
  // to Object.prototype), and whatever is unusual goes to the precise checker.
  for (const k in out) {
    const item = out[k];
    switch (typeof item) {
      case 'string':
      case 'boolean':
        continue;
      case 'number':
        if (!Number.isFinite(item)) throw BAIL;
        if (item === 0 && Object.is(item, -0)) {
          if (!Object.hasOwn(out, k) || k === '__proto__') throw BAIL;
          out[k] = 0; // JSON has no -0
        }
        continue;
      case 'object':
        if (item === null) continue;
        if (!Object.hasOwn(out, k)) throw BAIL;
        if (k === '__proto__') Object.defineProperty(out, k, { value: tree(item, k, depth + 1), enumerable: true, writable: true, configurable: true });
        else out[k] = tree(item, k, depth + 1);
        continue;
      default:
        throw BAIL;
    }
  }
  return out;
}

/**
 * `JSON.parse(encodeJson(value))` in one pass: validates `value` as the codec does and returns the
 * plain JSON tree it stands for (a Date becomes its ISO string, `-0` becomes `0`). Much cheaper
 * than stringify + parse, for backends that keep values in memory rather than as text.
 * @throws MotifsErrorSerialization exactly where {@link encodeJson} would (a getter or `toJSON`
 *   that throws is read again by the precise checker, which reports it with the thrown value as `cause`)
 * @example
 * const stored = toJsonTree({ at: new Date(0) }); // { at: '1970-01-01T00:00:00.000Z' }
 */
export function toJsonTree(value: unknown): unknown {
  try {
    return tree(value, '', 0);
  } catch {
    // BAIL, or a getter / toJSON that threw: the precise checker names the path and wraps the cause.
  }
  // A value it accepts (a deep one, up to MAX_JSON_DEPTH) goes the long way.
  return JSON.parse(encodeJson(value)) as unknown;
}
