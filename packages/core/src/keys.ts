import { MotifsErrorValidation } from './errors.js';

/** Longest key (in UTF-16 code units) any adapter accepts. */
export const MAX_KEY_LENGTH = 1024;

const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether `text` is well-formed UTF-16: no lone surrogate. Only such strings survive UTF-8 (the
 * encoding of Redis keys, Kafka keys and headers): `'a\ud800'` would come back as `'a\ufffd'`.
 * @example
 * isWellFormedText('🔑'); // true
 * isWellFormedText('a\ud800'); // false
 */
export function isWellFormedText(text: string): boolean {
  return isWellFormed ? isWellFormed.call(text) : !LONE_SURROGATE.test(text);
}

/**
 * Throws {@link MotifsErrorValidation} unless `text` is well-formed UTF-16 (see {@link isWellFormedText}).
 * Names (keys, ids, namespaces, field names, headers) must be; values need not be, JSON escapes them.
 */
export function assertWellFormed(text: string, what: string): void {
  if (!isWellFormedText(text)) {
    throw new MotifsErrorValidation(`${what} contains a lone surrogate (not well-formed UTF-16), which UTF-8 backends cannot store`, {
      issues: [{ path: [what], message: 'must be well-formed UTF-16 (no lone surrogate)' }],
    });
  }
}

/**
 * Throws {@link MotifsErrorValidation} unless `key` is a non-empty, well-formed string of at most
 * {@link MAX_KEY_LENGTH} characters. Any characters are allowed, glob characters and unicode
 * included, except lone surrogates (see {@link isWellFormedText}).
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
  assertWellFormed(key, what);
}

/**
 * Longest finite expiry (and stale window) any adapter accepts: 10^15 ms, about 31,700 years. Every
 * backend can hold it exactly (Redis takes `PX` up to about 9.2e18 minus now; node-cache and
 * `Date.now() + expiry + stale` stay safe integers). Use `Infinity` for "never expires".
 */
export const MAX_EXPIRY_MS = 1e15;

/**
 * Validates an expiry in milliseconds: a number above 0 and at most {@link MAX_EXPIRY_MS}, or
 * `Infinity` for none. A fraction is rounded up to whole milliseconds.
 * @throws MotifsErrorValidation for anything else (0, negative, NaN, -Infinity, too large, not a number)
 */
export function normalizeExpiryMs(expiryMs: unknown): number {
  if (expiryMs === Infinity) return Infinity;
  if (typeof expiryMs !== 'number' || !(expiryMs > 0 && expiryMs <= MAX_EXPIRY_MS)) {
    throw new MotifsErrorValidation(`expiryMs must be a number of ms above 0 and at most ${MAX_EXPIRY_MS}, or Infinity, got ${String(expiryMs)}`, {
      issues: [{ path: ['expiryMs'], message: `must be > 0 and <= ${MAX_EXPIRY_MS}, or Infinity` }],
    });
  }
  return Math.ceil(expiryMs);
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
