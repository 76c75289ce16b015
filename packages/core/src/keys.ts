import { MotifsErrorValidation } from './errors.js';

/** Longest key (in UTF-16 code units) any adapter accepts. */
export const MAX_KEY_LENGTH = 1024;

/**
 * Throws {@link MotifsErrorValidation} unless `key` is a non-empty string of at most
 * {@link MAX_KEY_LENGTH} characters. Any characters are allowed, glob characters and unicode included.
 */
export function assertKey(key: unknown, what = 'key'): asserts key is string {
  if (typeof key !== 'string') {
    throw new MotifsErrorValidation(`${what} must be a string, got ${describeType(key)}`, {
      issues: [{ path: [what], message: 'must be a string' }],
    });
  }
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new MotifsErrorValidation(`${what} must be 1 to ${MAX_KEY_LENGTH} characters long, got ${key.length}`, {
      issues: [{ path: [what], message: `length must be 1..${MAX_KEY_LENGTH}` }],
      details: { length: key.length },
    });
  }
}

/**
 * Validates an expiry in milliseconds: a positive number, or `Infinity` for none.
 * Returns whole milliseconds (rounded up) or `Infinity`.
 */
export function normalizeExpiryMs(expiryMs: unknown): number {
  if (typeof expiryMs !== 'number' || Number.isNaN(expiryMs) || expiryMs <= 0) {
    throw new MotifsErrorValidation(`expiryMs must be a positive number of ms or Infinity, got ${String(expiryMs)}`, {
      issues: [{ path: ['expiryMs'], message: 'must be > 0 or Infinity' }],
    });
  }
  return expiryMs === Infinity ? Infinity : Math.ceil(expiryMs);
}

/** Keys that could reach an object's prototype when merged or assigned. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Throws {@link MotifsErrorValidation} if a plain object (at any depth) carries a key such as
 * `__proto__` or `constructor`, so merges and index writes can never pollute a prototype.
 */
export function assertSafeKeys(value: unknown, what = 'value'): void {
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    for (const key of Object.keys(node)) {
      if (UNSAFE_KEYS.has(key)) {
        throw new MotifsErrorValidation(`${what} must not contain the key "${key}"`, {
          issues: [{ path: [...path, key], message: 'forbidden key' }],
        });
      }
      walk((node as Record<string, unknown>)[key], [...path, key]);
    }
  };
  walk(value, []);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
