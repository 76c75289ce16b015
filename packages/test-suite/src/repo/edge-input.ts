import { MotifsErrorSerialization, MotifsErrorValidation, type IRepo } from '@motifs/core';
import { LONE_SURROGATE_STRINGS, nestedArrays } from '../edge-cases.js';
import type { TestApi } from '../runner.js';
import { eachCase, idsOf, type MakeTestRepo } from './fixtures.js';
import type { Person } from './types.js';

/**
 * Input backends handle differently unless an adapter takes care: lone surrogates in names (Redis
 * keys and hash fields are UTF-8, which cannot hold them), very deep values, getters and toJSON
 * that throw. Each gets one typed outcome on every backend.
 */
export function edgeInputContract(api: TestApi, make: MakeTestRepo): void {
  const { describe, it, expect } = api;

  const seeded = async (): Promise<IRepo<Person>> => {
    const repo = await make({ indexes: ['city'] });
    await repo.create({ id: 'keep', name: 'Ada', city: 'London' });
    return repo;
  };
  const unchanged = async (repo: IRepo<Person>): Promise<void> => {
    expect(await repo.findMany({})).toEqual([await repo.retrieve('keep')]);
  };

  describe('edge input', () => {
    eachCase(api, LONE_SURROGATE_STRINGS, 'refuses an id with %s everywhere', async (_label, id) => {
      const repo = await seeded();
      await expect(repo.create({ id, name: 'x' })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.retrieve(id)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.update(id, { name: 'x' })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.delete_(id)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await unchanged(repo);
    });

    eachCase(api, LONE_SURROGATE_STRINGS, 'refuses a field name with %s (create, update, conditions, indexes, namespace)', async (_label, text) => {
      const repo = await seeded();
      await expect(repo.create({ name: 'x', [text]: 1 })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.update('keep', { [text]: 1 })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.findMany({ [text]: 1 })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(repo.count({ [text]: 1 })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await unchanged(repo);
      await expect(make({ indexes: [`c${text}`] })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(make({ namespace: `ns${text}` })).rejects.toBeInstanceOf(MotifsErrorValidation);
    });

    it('keeps lone surrogates in values and nested keys (JSON escapes them)', async () => {
      const repo = await seeded();
      const odd = { name: 'a\ud800', nested: { 'k\udc00': '\udbff', list: ['\udc00\ud800'] } };
      const created = await repo.create({ id: 'odd', ...odd });
      expect(created).toMatchObject(odd);
      expect(await repo.retrieve('odd')).toEqual(created);
      const updated = await repo.update('odd', { name: 'b\udfff' });
      expect(updated.name).toBe('b\udfff');
      expect(await repo.retrieve('odd')).toEqual(updated);
    });

    it('index values that differ only in a lone surrogate stay distinct', async () => {
      const repo = await seeded();
      await repo.create({ id: 'hi', name: 'x', city: 'a\ud800' });
      await repo.create({ id: 'lo', name: 'x', city: 'a\udc00' });
      await repo.create({ id: 'fffd', name: 'x', city: 'a\ufffd' });
      expect(idsOf(await repo.findMany({ city: 'a\ud800' }))).toEqual(['hi']);
      expect(idsOf(await repo.findMany({ city: 'a\udc00' }))).toEqual(['lo']);
      expect(idsOf(await repo.findMany({ city: 'a\ufffd' }))).toEqual(['fffd']);
      expect(await repo.count({ city: { $in: ['a\ud800', 'a\udc00'] } })).toBe(2);
      await repo.update('hi', { city: 'a\udc00' });
      expect(idsOf(await repo.findMany({ city: 'a\udc00' }))).toEqual(['hi', 'lo']);
      expect(await repo.count({ city: 'a\ud800' })).toBe(0);
    });

    const userError = new Error('the getter failed');
    eachCase(api, [
      ['a getter that throws', () => ({ name: 'x', get city(): never { throw userError; } })],
      ['a nested getter that throws', () => ({ name: 'x', nested: [{ get v(): never { throw userError; } }] })],
      ['a toJSON that throws', () => ({ name: 'x', v: { toJSON(): never { throw userError; } } })],
    ] as unknown as [string, () => Person][], 'rejects a dto with %s: MotifsErrorSerialization with the cause, nothing written', async (_label, dto) => {
      const repo = await seeded();
      const created = await repo.create(dto()).catch((e: unknown) => e);
      expect(created).toBeInstanceOf(MotifsErrorSerialization);
      expect((created as Error).cause).toBe(userError);
      const updated = await repo.update('keep', dto()).catch((e: unknown) => e);
      expect(updated).toBeInstanceOf(MotifsErrorSerialization);
      expect((updated as Error).cause).toBe(userError);
      await unchanged(repo);
    });

    it('rejects a dto nested 100,000 levels deep with MotifsErrorSerialization, nothing written', async () => {
      const repo = await seeded();
      const deep = nestedArrays(100_000);
      await expect(repo.create({ name: 'x', deep })).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await expect(repo.update('keep', { deep } as never)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await unchanged(repo);
    });
  });
}
