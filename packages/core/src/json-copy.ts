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
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = copyJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  const src = value as Record<string, unknown>;
  for (const key of Object.keys(src)) {
    // JSON.parse makes "__proto__" an own data property; plain assignment would set the prototype.
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: copyJson(src[key]), enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = copyJson(src[key]);
    }
  }
  return out as T;
}
