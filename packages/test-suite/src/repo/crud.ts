import { MotifsErrorConflict, MotifsErrorNotFound, MotifsErrorUnavailable, MotifsErrorValidation } from '@motifs/core';
import { asyncDispose } from '../dispose.js';
import type { TestApi } from '../runner.js';
import type { MakeTestRepo } from './fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** create / retrieve / update / delete_ / close. */
export function crudContract(api: TestApi, make: MakeTestRepo, namespace: string): void {
  const { describe, it, expect } = api;

  describe('create', () => {
    it('assigns a UUID id and timestamps and returns the stored record', async () => {
      const repo = await make();
      const created = await repo.create({ name: 'Ada' });
      expect(created.id).toMatch(UUID);
      expect(created.createdAt).toMatch(ISO);
      expect(created.updatedAt).toBe(created.createdAt);
      expect(await repo.retrieve(created.id)).toEqual(created);
    });

    it('keeps a given id and ignores given timestamps', async () => {
      const repo = await make();
      const created = await repo.create({ id: 'ada', name: 'Ada', createdAt: '1815-12-10T00:00:00.000Z' });
      expect(created.id).toBe('ada');
      expect(created.createdAt).not.toBe('1815-12-10T00:00:00.000Z');
      expect(created.createdAt).toMatch(ISO);
    });

    it('assigns different ids to records created at once', async () => {
      const repo = await make();
      const created = await Promise.all(Array.from({ length: 50 }, (_, i) => repo.create({ name: `n${i}` })));
      expect(new Set(created.map((c) => c.id)).size).toBe(50);
      expect(await repo.count({})).toBe(50);
    });

    it('throws the conflict error for an existing id and changes nothing', async () => {
      const repo = await make();
      await repo.create({ id: 'a', name: 'first' });
      await expect(repo.create({ id: 'a', name: 'second' })).rejects.toBeInstanceOf(MotifsErrorConflict);
      await expect(repo.create({ id: 'a', name: 'second' })).rejects.toMatchObject({ code: 'MOTIFS_CONFLICT' });
      expect((await repo.retrieve('a')).name).toBe('first');
      expect(await repo.count({})).toBe(1);
    });

    it('round-trips JSON values exactly (nested, unicode, numbers, empty containers; Dates become ISO strings)', async () => {
      const repo = await make();
      const value = {
        name: 'ключ 🔑 "quoted" \\ back',
        nested: { deep: { list: [1, 'two', null, true, { three: 3 }] }, empty: {} },
        emptyList: [] as unknown[],
        tiny: 0.1 + 0.2,
        big: 2 ** 53 - 1,
        negative: -1.5e-7,
        flag: false,
        nothing: null,
        when: new Date('2020-02-29T12:00:00.000Z'),
        'key with spaces:and:colons': 'ok',
      };
      const created = await repo.create(value);
      const expected = { ...JSON.parse(JSON.stringify(value)), id: created.id, createdAt: created.createdAt, updatedAt: created.updatedAt };
      expect(created).toEqual(expected);
      expect(await repo.retrieve(created.id)).toEqual(expected);
      expect((await repo.findMany({ name: value.name }))[0]).toEqual(expected);
    });

    it('stores a copy: changing the dto or the returned record afterwards changes nothing', async () => {
      const repo = await make();
      const dto = { id: 'c', name: 'Ada', tags: ['a'] };
      const created = await repo.create(dto);
      dto.tags.push('dto');
      created.tags!.push('returned');
      const read = await repo.retrieve('c');
      expect(read.tags).toEqual(['a']);
      read.tags!.push('read');
      expect((await repo.retrieve('c')).tags).toEqual(['a']);
    });
  });

  describe('retrieve', () => {
    it('throws MotifsErrorNotFound for a missing id', async () => {
      const repo = await make();
      await expect(repo.retrieve('missing')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      await expect(repo.retrieve('missing')).rejects.toMatchObject({ code: 'MOTIFS_NOT_FOUND', details: { id: 'missing' } });
    });

    it('treats ids literally (glob characters, unicode, separators)', async () => {
      const repo = await make();
      const ids = ['a*', 'a?', '[a]', 'a:b', 'a/b', 'ключ', '🔑', ' spaced '];
      for (const id of ids) await repo.create({ id, name: id });
      for (const id of ids) expect((await repo.retrieve(id)).name).toBe(id);
      await expect(repo.retrieve('a')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      expect(await repo.delete_('a*')).toBe(true);
      expect((await repo.retrieve('a?')).name).toBe('a?');
    });
  });

  describe('update', () => {
    it('merges the partial dto, keeps id and createdAt, moves updatedAt', async () => {
      const repo = await make();
      const created = await repo.create({ id: 'u', name: 'Ada', city: 'London', tags: ['a'] });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const updated = await repo.update('u', { city: 'Paris', age: 36 });
      expect(updated).toEqual({ ...created, city: 'Paris', age: 36, updatedAt: updated.updatedAt });
      expect(updated.updatedAt! > created.updatedAt!).toBe(true);
      expect(await repo.retrieve('u')).toEqual(updated);
    });

    it('replaces (does not deep-merge) a nested value and can set null', async () => {
      const repo = await make();
      await repo.create({ id: 'u', name: 'Ada', nested: { a: 1, b: 2 }, city: 'London' });
      const updated = await repo.update('u', { nested: { a: 3 }, city: null });
      expect(updated.nested).toEqual({ a: 3 });
      expect(updated.city).toBeNull();
    });

    it('accepts the same id in the dto but never a different one', async () => {
      const repo = await make();
      await repo.create({ id: 'u', name: 'Ada' });
      expect((await repo.update('u', { id: 'u', name: 'Bo' })).name).toBe('Bo');
      await expect(repo.update('u', { id: 'v', name: 'Cy' })).rejects.toBeInstanceOf(MotifsErrorValidation);
      expect((await repo.retrieve('u')).name).toBe('Bo');
      await expect(repo.retrieve('v')).rejects.toBeInstanceOf(MotifsErrorNotFound);
    });

    it('throws MotifsErrorNotFound for a missing id and creates nothing', async () => {
      const repo = await make();
      await expect(repo.update('ghost', { name: 'x' })).rejects.toBeInstanceOf(MotifsErrorNotFound);
      await expect(repo.retrieve('ghost')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      expect(await repo.count({})).toBe(0);
    });
  });

  describe('delete_', () => {
    it('resolves true when it deleted and false when there was nothing', async () => {
      const repo = await make();
      await repo.create({ id: 'd', name: 'Ada' });
      expect(await repo.delete_('d')).toBe(true);
      expect(await repo.delete_('d')).toBe(false);
      expect(await repo.delete_('never')).toBe(false);
      await expect(repo.retrieve('d')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      expect(await repo.findMany({})).toEqual([]);
    });

    it('frees the id for a new create', async () => {
      const repo = await make();
      await repo.create({ id: 'd', name: 'old', city: 'x' });
      await repo.delete_('d');
      const again = await repo.create({ id: 'd', name: 'new' });
      expect(again).toEqual(await repo.retrieve('d'));
      expect(again.city).toBeUndefined();
    });
  });

  describe('close', () => {
    it('rejects every call afterwards with MotifsErrorUnavailable', async () => {
      const repo = await make();
      await repo.close();
      const calls = [
        repo.create({ name: 'x' }),
        repo.retrieve('x'),
        repo.update('x', { name: 'y' }),
        repo.delete_('x'),
        repo.findMany({}),
        repo.count({}),
      ];
      for (const call of calls) await expect(call).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      await expect(repo.close()).resolves.toBeUndefined();
    });

    it('[Symbol.asyncDispose]() closes it as close() does (what `await using` calls)', async () => {
      const repo = await make();
      expect(await repo.count({})).toBe(0);
      await asyncDispose(repo);
      await expect(repo.retrieve('kept')).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      await expect(repo.create({ name: 'x' })).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      await expect(repo.findMany({})).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      await asyncDispose(repo);
      await expect(repo.close()).resolves.toBeUndefined();
    });
  });

  describe('isolation', () => {
    it('repos with different names or namespaces never see each other', async () => {
      const a = await make({ name: 'alpha', indexes: ['city'] });
      const b = await make({ name: 'beta', indexes: ['city'] });
      const c = await make({ name: 'alpha', namespace: `${namespace}-other`, indexes: ['city'] });
      await a.create({ id: 'same', name: 'a', city: 'X' });
      await b.create({ id: 'same', name: 'b', city: 'X' });
      await c.create({ id: 'same', name: 'c', city: 'X' });
      expect((await a.retrieve('same')).name).toBe('a');
      expect((await b.retrieve('same')).name).toBe('b');
      expect((await c.retrieve('same')).name).toBe('c');
      for (const repo of [a, b, c]) {
        expect(await repo.findMany({ city: 'X' })).toHaveLength(1);
        expect(await repo.count({})).toBe(1);
      }
      await a.delete_('same');
      expect((await b.retrieve('same')).name).toBe('b');
      expect((await c.retrieve('same')).name).toBe('c');
    });
  });
}
