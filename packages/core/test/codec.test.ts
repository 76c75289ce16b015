import { describe, expect, it } from '@jest/globals';
import { MotifsErrorSerialization, MotifsErrorValidation } from '../src/index.js';
import { assertJsonSafe, decodeJson, encodeJson, jsonCodec } from '../src/kit.js';

describe('JSON codec', () => {
  it.each([
    ['string', 'héllo ✓'],
    ['number', 42.5],
    ['boolean', false],
    ['null', null],
    ['nested', { a: [1, { b: 'c' }], d: { e: null } }],
    ['empty', {}],
  ])('round-trips %s', (_name, value) => {
    expect(decodeJson(encodeJson(value))).toEqual(value);
  });

  it('turns a Date into its ISO string', () => {
    const when = new Date('2024-02-03T04:05:06.007Z');
    expect(decodeJson(encodeJson({ when }))).toEqual({ when: '2024-02-03T04:05:06.007Z' });
  });

  it('allows shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    expect(decodeJson(encodeJson({ a: shared, b: shared }))).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = { back: cyclic };

  it.each([
    ['undefined', undefined, ''],
    ['an undefined property', { a: undefined }, 'a'],
    ['a function', { f: () => 1 }, 'f'],
    ['a symbol', [Symbol('s')], '0'],
    ['a BigInt', { n: 10n }, 'n'],
    ['a cycle', cyclic, 'self.back'],
    ['NaN', { n: Number.NaN }, 'n'],
    ['Infinity', Infinity, ''],
    ['a Map', { m: new Map() }, 'm'],
    ['a Set', new Set([1]), ''],
    ['a class instance', { c: new (class Point { x = 1 })() }, 'c'],
    ['a sparse array', [1, , 3], '1'], // eslint-disable-line no-sparse-arrays
    ['an invalid Date', { d: new Date('nope') }, 'd'],
  ])('rejects %s with a typed error naming the path', (_name, value, path) => {
    let caught: unknown;
    try {
      encodeJson(value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MotifsErrorSerialization);
    expect(caught).toBeInstanceOf(MotifsErrorValidation);
    const err = caught as MotifsErrorSerialization;
    expect(err.code).toBe('MOTIFS_SERIALIZATION');
    expect(err.issues[0]!.path.join('.')).toBe(path);
  });

  it('accepts objects with a null prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(() => assertJsonSafe(bare)).not.toThrow();
  });

  it('reports corrupt stored data as a serialization error', () => {
    expect(() => decodeJson('{not json')).toThrow(MotifsErrorSerialization);
  });

  it('exposes the same behaviour as a Codec', () => {
    expect(jsonCodec.decode(jsonCodec.encode([1, 'a']))).toEqual([1, 'a']);
    expect(() => jsonCodec.encode(() => 1)).toThrow(MotifsErrorSerialization);
  });
});
