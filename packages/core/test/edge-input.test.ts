// Edge input every backend must treat alike (issue 14, defect 7). The contract suites check the
// same cases end to end on memory and Redis; these pin down the core rules themselves.
import { describe, expect, it } from '@jest/globals';
import { MotifsErrorSerialization, MotifsErrorValidation } from '../src/index.js';
import { MAX_EXPIRY_MS, MAX_JSON_DEPTH, assertGlob, assertJsonSafe, assertKey, compileGlob, encodeForPublish, encodeJson, isWellFormedText, jsonCodec, namespacePrefix, normalizeExpiryMs, normalizeRepoSettings, normalizeStaleMs, toJsonTree } from '../src/kit.js';
import { prepareCreate, preparePatch } from '../src/repo/records.js';

const nested = (depth: number): unknown => {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

const caught = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
};

describe('well-formed UTF-16', () => {
  it.each([
    ['', true],
    ['plain', true],
    ['🔑 ключ é', true],
    ['\ud83d\udd11', true],
    ['a\ud800b', false],
    ['a\udc00b', false],
    ['\udbff', false],
    ['\udc00\ud800', false],
  ])('%j -> %p', (text, expected) => {
    expect(isWellFormedText(text)).toBe(expected);
  });

  it('keys, namespaces and key prefixes with a lone surrogate are refused with an issue', () => {
    const err = caught(() => assertKey('a\ud800', 'id')) as MotifsErrorValidation;
    expect(err).toBeInstanceOf(MotifsErrorValidation);
    expect(err.issues).toEqual([{ path: ['id'], message: 'must be well-formed UTF-16 (no lone surrogate)' }]);
    expect(() => namespacePrefix('ns\udc00')).toThrow(MotifsErrorValidation);
    expect(() => normalizeRepoSettings({ name: 'people', namespace: 'ns\udc00' })).toThrow(MotifsErrorValidation);
    expect(() => normalizeRepoSettings({ name: 'people', indexes: ['a\ud800'] })).toThrow(MotifsErrorValidation);
  });

  it('publish refuses a lone surrogate in the key, a header name or a header value', () => {
    expect(() => encodeForPublish(jsonCodec, 1, { key: 'k\ud800' })).toThrow(MotifsErrorValidation);
    expect(() => encodeForPublish(jsonCodec, 1, { headers: { 'h\ud800': 'v' } })).toThrow(MotifsErrorValidation);
    expect(() => encodeForPublish(jsonCodec, 1, { headers: { h: 'v\udc00' } })).toThrow(MotifsErrorValidation);
    expect(encodeForPublish(jsonCodec, 'v\udc00', { headers: { h: '🔑' } }).value).toBe('"v\\udc00"');
  });
});

describe('glob ranges mixing ASCII and non-ASCII bytes', () => {
  it.each(['[é-^]', '[a-é]', 'x[^é-z]*', '[\\é-a]', '[!-\u0080]', '[a-é'])('%j is refused', (pattern) => {
    const err = caught(() => assertGlob(pattern, 'search')) as MotifsErrorValidation;
    expect(err).toBeInstanceOf(MotifsErrorValidation);
    expect(err.issues[0]!.path).toEqual(['search']);
    expect(() => compileGlob(pattern)).toThrow(MotifsErrorValidation);
  });

  it.each([
    ['[é-é]*', 'é', true], // bytes C3, A9-C3, A9: both range ends are non-ASCII
    ['k-[é]*', 'k-ä', true], // a class matches one byte: C3 starts both é and ä
    ['[^é-é]', 'a', true],
  ] as const)('%j vs %j', (pattern, key, expected) => {
    expect(compileGlob(pattern)(key)).toBe(expected);
  });

  it('an escaped non-ASCII byte or one after a range is a literal, not a range end', () => {
    expect(() => assertGlob('[a-\\é]')).not.toThrow(); // range a-\ then the bytes of é
    expect(() => assertGlob('[-é]')).not.toThrow();
    expect(() => assertGlob('é?*')).not.toThrow();
  });
});

describe('expiry bounds', () => {
  it.each([0, -1, -Infinity, Number.NaN, MAX_EXPIRY_MS + 1, 1e300, Number.MAX_VALUE, '5', null, undefined])('expiryMs %p is refused', (value) => {
    expect(() => normalizeExpiryMs(value)).toThrow(MotifsErrorValidation);
  });

  it('accepts (0, MAX_EXPIRY_MS] rounded up, and Infinity', () => {
    expect(normalizeExpiryMs(0.25)).toBe(1);
    expect(normalizeExpiryMs(MAX_EXPIRY_MS)).toBe(MAX_EXPIRY_MS);
    expect(normalizeExpiryMs(Infinity)).toBe(Infinity);
  });

  it('staleMs takes [0, MAX_EXPIRY_MS] and Infinity', () => {
    expect(normalizeStaleMs(0)).toBe(0);
    expect(normalizeStaleMs(MAX_EXPIRY_MS)).toBe(MAX_EXPIRY_MS);
    expect(normalizeStaleMs(Infinity)).toBe(Infinity);
    for (const bad of [-1, Number.NaN, MAX_EXPIRY_MS + 1, 1e300]) expect(() => normalizeStaleMs(bad)).toThrow(MotifsErrorValidation);
  });

  it('the largest expiry plus the largest stale window, from now, is still an exact integer', () => {
    expect(Number.isSafeInteger(Date.now() + 2 * MAX_EXPIRY_MS)).toBe(true);
  });
});

describe('JSON depth and user code', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, on both paths, without a RangeError`, () => {
    expect(JSON.parse(encodeJson(nested(MAX_JSON_DEPTH)))).toEqual(nested(MAX_JSON_DEPTH));
    expect(toJsonTree(nested(MAX_JSON_DEPTH))).toEqual(nested(MAX_JSON_DEPTH));
    for (const depth of [MAX_JSON_DEPTH + 1, 100_000]) {
      expect(() => encodeJson(nested(depth))).toThrow(MotifsErrorSerialization);
      expect(() => toJsonTree(nested(depth))).toThrow(MotifsErrorSerialization);
    }
  });

  it('a getter or toJSON that throws becomes MotifsErrorSerialization with the thrown value as cause and its path', () => {
    const boom = new Error('boom');
    const values = [{ a: { get b(): never { throw boom; } } }, { a: { b: { toJSON(): never { throw boom; } } } }];
    for (const value of values) {
      for (const encode of [() => encodeJson(value), () => toJsonTree(value)]) {
        const err = caught(encode) as MotifsErrorSerialization;
        expect(err).toBeInstanceOf(MotifsErrorSerialization);
        expect(err.cause).toBe(boom);
        expect(err.issues).toEqual([{ path: ['a', 'b'], message: 'a getter or toJSON threw' }]);
      }
    }
    const thrownString = caught(() => encodeJson({ get x(): never { throw 'plain string'; } })) as MotifsErrorSerialization;
    expect(thrownString.cause).toBe('plain string');
  });

  it('a Proxy whose trap throws is a serialization error too', () => {
    const boom = new Error('trap');
    const proxy = new Proxy({}, { ownKeys: () => { throw boom; } });
    const err = caught(() => encodeJson({ p: proxy })) as MotifsErrorSerialization;
    expect(err).toBeInstanceOf(MotifsErrorSerialization);
    expect(err.cause).toBe(boom);
  });

  it('a value that throws or turns undefined only when JSON.stringify reads it again is refused, not stored wrong', () => {
    let reads = 0;
    const flaky = { get v(): number { if (++reads > 1) throw new Error('second read'); return 1; } };
    expect(() => encodeJson(flaky)).toThrow(MotifsErrorSerialization);
    let calls = 0;
    const vanishing = { toJSON: () => (++calls > 1 ? undefined : 1) };
    expect(() => encodeJson(vanishing)).toThrow(MotifsErrorSerialization);
  });

  it('calls toJSON with the property name, as JSON.stringify does, and not the toJSON of its result', () => {
    const seen: string[] = [];
    const value = { when: { toJSON: (key: string) => { seen.push(key); return 'x'; } }, list: [{ toJSON: (key: string) => { seen.push(key); return 1; } }] };
    assertJsonSafe(value);
    expect(seen).toEqual(['when', '0']);
    const list = Object.assign([1, 2], { toJSON: () => 'as text' });
    expect(toJsonTree({ list })).toEqual({ list: 'as text' });
    expect(encodeJson({ list })).toBe('{"list":"as text"}');
    const chained = { a: { toJSON: () => ({ toJSON: () => 1, b: 2 }) } };
    expect(() => encodeJson(chained)).toThrow(MotifsErrorSerialization);
    expect(() => toJsonTree(chained)).toThrow(MotifsErrorSerialization);
  });

  it('repo dtos: throwing getters and toJSON reach the caller as serialization errors with the cause', () => {
    const boom = new Error('boom');
    for (const dto of [{ name: 'x', get city(): never { throw boom; } }, { name: 'x', v: { toJSON(): never { throw boom; } } }]) {
      const created = caught(() => prepareCreate(dto)) as MotifsErrorSerialization;
      expect(created).toBeInstanceOf(MotifsErrorSerialization);
      expect(created.cause).toBe(boom);
      const patched = caught(() => preparePatch('id', dto)) as MotifsErrorSerialization;
      expect(patched).toBeInstanceOf(MotifsErrorSerialization);
      expect(patched.cause).toBe(boom);
    }
    expect(() => prepareCreate({ ['f\ud800']: 1 })).toThrow(MotifsErrorValidation);
    expect(prepareCreate({ id: 'x', v: 'a\ud800', o: { ['k\udc00']: 1 } }).record).toMatchObject({ v: 'a\ud800', o: { ['k\udc00']: 1 } });
  });
});
