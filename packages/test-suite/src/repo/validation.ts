import { MotifsErrorNotFound, MotifsErrorSerialization, MotifsErrorValidation, type IRepo } from '@motifs/core';
import type { TestApi } from '../runner.js';
import { eachCase, type MakeTestRepo } from './fixtures.js';
import type { Person } from './types.js';

class Point {
  constructor(public x: number) {}
}

/** Bad input throws a typed error, writes nothing and pollutes no prototype. */
export function validationContract(api: TestApi, make: MakeTestRepo): void {
  const { describe, it, expect } = api;

  const unchanged = async (repo: IRepo<Person>): Promise<void> => {
    expect(await repo.findMany({})).toEqual([await repo.retrieve('keep')]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  };

  const seeded = async (): Promise<IRepo<Person>> => {
    const repo = await make({ indexes: ['city'] });
    await repo.create({ id: 'keep', name: 'Ada', city: 'London' });
    return repo;
  };

  describe('validation', () => {
    const prototypeKeys: [string, () => unknown][] = [
      ['__proto__ at the top', () => JSON.parse('{"name":"x","__proto__":{"polluted":true}}')],
      ['__proto__ nested', () => JSON.parse('{"name":"x","nested":{"__proto__":{"polluted":true}}}')],
      ['constructor', () => ({ name: 'x', constructor: { prototype: { polluted: true } } })],
      ['prototype in an array item', () => ({ name: 'x', list: [{ prototype: { polluted: true } }] })],
    ];

    eachCase(api, prototypeKeys, 'rejects a dto with %s on create and update', async (_label, dto) => {
      const repo = await seeded();
      await expect(repo.create(dto() as Person)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.update('keep', dto() as Person)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await unchanged(repo);
    });

    eachCase(api, [
      ['null', null],
      ['an array', [{ name: 'x' }]],
      ['a string', 'x'],
      ['a class instance', new Point(1)],
    ], 'rejects %s as a dto', async (_label, dto) => {
      const repo = await seeded();
      await expect(repo.create(dto as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.update('keep', dto as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await unchanged(repo);
    });

    eachCase(api, [
      ['undefined', { name: 'x', v: undefined }],
      ['a function', { name: 'x', v: () => 1 }],
      ['a BigInt', { name: 'x', v: BigInt(1) }],
      ['NaN', { name: 'x', v: Number.NaN }],
      ['Infinity', { name: 'x', v: Infinity }],
      ['a Map', { name: 'x', v: new Map() }],
      ['a class instance', { name: 'x', v: new Point(1) }],
    ], 'rejects a value that is not JSON (%s) with MotifsErrorSerialization', async (_label, dto) => {
      const repo = await seeded();
      await expect(repo.create(dto as never)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await expect(repo.update('keep', dto as never)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await unchanged(repo);
    });

    it('rejects a cyclic dto', async () => {
      const repo = await seeded();
      const dto: Record<string, unknown> = { name: 'x' };
      dto.self = dto;
      await expect(repo.create(dto as Person)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await unchanged(repo);
    });

    eachCase(api, [
      ['empty', ''],
      ['too long', 'x'.repeat(1025)],
      ['a number', 42],
      ['null', null],
    ], 'rejects an id that is %s everywhere', async (_label, id) => {
      const repo = await seeded();
      await expect(repo.create({ id: id as never, name: 'x' })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.retrieve(id as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.update(id as never, { name: 'x' })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.delete_(id as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await unchanged(repo);
    });

    eachCase(api, [
      ['__proto__ as a field', () => JSON.parse('{"__proto__":"x"}')],
      ['constructor as a field', () => ({ constructor: 'x' })],
      ['an unknown operator', () => ({ city: { $regex: 'L.*' } })],
      ['an empty operator object', () => ({ city: {} })],
      ['$in that is not an array', () => ({ city: { $in: 'London' } })],
      ['$in with an object', () => ({ city: { $in: [{ a: 1 }] } })],
      ['$gt with a string', () => ({ age: { $gt: '3' } })],
      ['$lte with NaN', () => ({ age: { $lte: Number.NaN } })],
      ['an array value', () => ({ tags: ['x'] })],
      ['an undefined value', () => ({ city: undefined })],
      ['NaN', () => ({ age: Number.NaN })],
      ['conditions that are not an object', () => 'city=London'],
      ['null conditions', () => null],
    ], 'rejects conditions with %s', async (_label, conditions) => {
      const repo = await seeded();
      await expect(repo.findMany(conditions() as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.count(conditions() as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await unchanged(repo);
    });

    eachCase(api, [
      ['a negative limit', { limit: -1 }],
      ['a fractional offset', { offset: 1.5 }],
      ['a string limit', { limit: '10' }],
      ['an unknown option', { sort: 'name' }],
      ['a bad direction', { orderBy: { field: 'name', direction: 'up' } }],
      ['an empty orderBy', { orderBy: '' }],
      ['orderBy __proto__', { orderBy: '__proto__' }],
    ], 'rejects findMany options with %s', async (_label, options) => {
      const repo = await seeded();
      await expect(repo.findMany({}, options as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
    });

    it('never resolves a condition against Object.prototype', async () => {
      const repo = await seeded();
      expect(await repo.findMany({ toString: 'x' })).toEqual([]);
      expect(await repo.findMany({ hasOwnProperty: { $in: ['x'] } })).toEqual([]);
      await expect(repo.retrieve('toString')).rejects.toBeInstanceOf(MotifsErrorNotFound);
    });
  });
}
