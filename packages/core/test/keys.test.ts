import { describe, expect, it } from '@jest/globals';
import { MotifsErrorValidation } from '../src/index.js';
import { MAX_KEY_LENGTH, assertKey, assertSafeKeys, normalizeExpiryMs } from '../src/kit.js';

describe('assertKey', () => {
  it.each(['a', '*?[]\\', 'ключ-🔑', 'x'.repeat(MAX_KEY_LENGTH)])('accepts %j', (key) => {
    expect(() => assertKey(key)).not.toThrow();
  });
  it.each(['', 'x'.repeat(MAX_KEY_LENGTH + 1), 42, null, undefined, {}])('rejects %j', (key) => {
    expect(() => assertKey(key)).toThrow(MotifsErrorValidation);
  });
});

describe('normalizeExpiryMs', () => {
  it('rounds up to whole ms and keeps Infinity', () => {
    expect(normalizeExpiryMs(1)).toBe(1);
    expect(normalizeExpiryMs(0.2)).toBe(1);
    expect(normalizeExpiryMs(1500.01)).toBe(1501);
    expect(normalizeExpiryMs(Infinity)).toBe(Infinity);
  });
  it.each([0, -1, Number.NaN, -Infinity, '100', null, undefined])('rejects %p', (value) => {
    expect(() => normalizeExpiryMs(value)).toThrow(MotifsErrorValidation);
  });
});

describe('assertSafeKeys', () => {
  it.each([
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { nested: JSON.parse('{"__proto__": 1}') },
    { constructor: { prototype: { x: 1 } } },
    [{ ok: 1 }, { prototype: 2 }],
  ])('rejects prototype-reaching keys in %j', (value) => {
    expect(() => assertSafeKeys(value)).toThrow(MotifsErrorValidation);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('accepts ordinary data', () => {
    expect(() => assertSafeKeys({ a: [{ b: 'constructor' }], proto: 1 })).not.toThrow();
  });
});
