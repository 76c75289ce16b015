import { describe, expect, it } from '@jest/globals';
import { MotifsErrorSerialization } from '../src/index.js';
import { copyJson, encodeJson, toJsonTree } from '../src/kit.js';

const viaText = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const cycle: Record<string, unknown> = { a: 1 };
cycle.self = cycle;
let deep: unknown = 'leaf';
for (let i = 0; i < 500; i++) deep = { next: deep, list: [i] };

const accepted: [string, unknown][] = [
  ['a small object', { id: 'c-1', tags: ['a', 'b'], n: 1.5, ok: true, none: null, nested: { deeper: [{ x: 1 }] } }],
  ['primitives', ['s', 0, -0, 1e300, false, null]],
  ['-0 in an object', { z: -0, list: [-0] }],
  ['a Date, nested', { at: new Date('2020-01-02T03:04:05.006Z'), list: [new Date(0)] }],
  ['a custom toJSON', { money: { toJSON: (key: string) => `amount for ${key}` } }],
  ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1 })],
  ['a "__proto__" key', JSON.parse('{"__proto__": {"x": [1]}, "y": {"__proto__": 2}}')],
  ['unicode and lone surrogates', { 'ключ': '🔑', lone: '\ud800' }],
  ['deep nesting (past the fast path)', deep],
  ['a top-level string', 'just text'],
];

const refused: [string, unknown][] = [
  ['undefined', undefined],
  ['a nested undefined', { a: [1, { b: undefined }] }],
  ['a function', { f: () => 1 }],
  ['a symbol', [Symbol('s')]],
  ['a BigInt', { n: BigInt(1) }],
  ['NaN', { n: Number.NaN }],
  ['Infinity', [Infinity]],
  ['a cycle', cycle],
  ['a sparse array', [1, , 3]], // eslint-disable-line no-sparse-arrays
  ['a Map', { m: new Map() }],
  ['a class instance', { c: new (class Point { x = 1; })() }],
  ['a boxed string', { s: new String('x') }],
  ['an invalid Date', { d: new Date('nope') }],
];

describe('toJsonTree', () => {
  it.each(accepted)('equals JSON.parse(encodeJson(v)) for %s', (_label, value) => {
    expect(toJsonTree(value)).toStrictEqual(viaText(value));
    expect(Object.is((toJsonTree({ z: -0 }) as { z: number }).z, 0)).toBe(true);
  });

  it.each(refused)('throws what encodeJson throws for %s', (_label, value) => {
    let expected: unknown;
    try {
      encodeJson(value);
    } catch (error) {
      expected = error;
    }
    expect(expected).toBeInstanceOf(MotifsErrorSerialization);
    const err = (() => {
      try {
        toJsonTree(value);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(MotifsErrorSerialization);
    expect((err as Error).message).toBe((expected as Error).message);
  });

  it('never shares objects with its input', () => {
    const input = { list: [{ a: 1 }], nested: { b: 2 } };
    const out = toJsonTree(input) as typeof input;
    expect(out.list).not.toBe(input.list);
    expect(out.list[0]).not.toBe(input.list[0]);
    expect(out.nested).not.toBe(input.nested);
  });
});

describe('copyJson', () => {
  it.each(accepted.filter(([label]) => !label.includes('toJSON') && !label.includes('Date')))(
    'copies %s deeply',
    (_label, value) => {
      const tree = viaText(value);
      const copy = copyJson(tree);
      expect(copy).toStrictEqual(tree);
      if (typeof tree === 'object' && tree !== null) expect(copy).not.toBe(tree);
    },
  );

  it('shares nothing with the original and keeps "__proto__" as data', () => {
    const tree = JSON.parse('{"__proto__": {"x": [1]}, "list": [{"a": 1}]}') as Record<string, { x: number[] } & { a: number }[]>;
    const copy = copyJson(tree);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'list']);
    expect(copy['__proto__']).not.toBe(tree['__proto__']);
    expect(copy.list).not.toBe(tree.list);
    expect(copy.list![0]).not.toBe(tree.list![0]);
  });
});
