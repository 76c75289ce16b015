import { MotifsErrorValidation } from '../errors.js';
import { assertKey, describeType } from '../keys.js';

/** Most keys one batch call (getItems, setItems, delItems) accepts. */
export const MAX_BATCH_KEYS = 100_000;

function tooMany(what: string, count: number): MotifsErrorValidation {
  return new MotifsErrorValidation(`${what} holds ${count} keys, more than the ${MAX_BATCH_KEYS} one call accepts`, {
    issues: [{ path: [what], message: `at most ${MAX_BATCH_KEYS} keys` }],
  });
}

/**
 * Validates the keys of a batch call and returns them without duplicates, in first-seen order.
 * Every key is checked before anything is read or written, as a single-key call checks its key.
 * @throws MotifsErrorValidation for a non-array, too many keys, or any bad key (its index in `issues`)
 */
export function uniqueBatchKeys(keys: unknown, what = 'keys'): string[] {
  if (!Array.isArray(keys)) {
    throw new MotifsErrorValidation(`${what} must be an array of keys, got ${describeType(keys)}`, {
      issues: [{ path: [what], message: 'must be an array of strings' }],
    });
  }
  if (keys.length > MAX_BATCH_KEYS) throw tooMany(what, keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    try {
      assertKey(key);
    } catch (error) {
      if (!(error instanceof MotifsErrorValidation)) throw error;
      throw new MotifsErrorValidation(`${what}[${i}]: ${error.message}`, {
        issues: error.issues.map((issue) => ({ ...issue, path: [what, i, ...issue.path.slice(1)] })),
      });
    }
  }
  const unique = new Set<string>(keys as string[]);
  return unique.size === keys.length ? (keys as string[]) : [...unique];
}

/**
 * Validates the `entries` of `setItems` (a plain object of key → value) and returns its own
 * enumerable `[key, value]` pairs, `__proto__` included.
 * @throws MotifsErrorValidation for a non-object, too many keys, or any bad key
 */
export function batchEntries(entries: unknown): [string, unknown][] {
  const proto = typeof entries === 'object' && entries !== null ? Object.getPrototypeOf(entries) : undefined;
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries) || (proto !== Object.prototype && proto !== null)) {
    throw new MotifsErrorValidation(`entries must be a plain object of key -> value, got ${describeType(entries)}`, {
      issues: [{ path: ['entries'], message: 'must be a plain object' }],
    });
  }
  const pairs = Object.entries(entries as Record<string, unknown>);
  uniqueBatchKeys(pairs.map(([key]) => key), 'entries');
  return pairs;
}
