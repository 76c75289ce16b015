import { MotifsErrorNotFound, MotifsErrorValidation, withCache } from '@motifs/core';
import { type RepoEventError } from '@motifs/core/kit';
import { deferred } from '../async.js';
import type { TestApi } from '../runner.js';
import type { MakeTestRepo } from './fixtures.js';
import { TestCacher } from './test-cacher.js';

/** withCache over this adapter: read-through, invalidation, and a cacher that fails. */
export function withCacheContract(api: TestApi, make: MakeTestRepo): void {
  const { describe, it, expect } = api;

  const setup = async () => {
    const repo = await make({ name: 'contacts' });
    const cacher = new TestCacher();
    const cached = withCache(repo, cacher, { expiryMs: 60_000 });
    await repo.create({ id: 'c', name: 'Ada', city: 'London' });
    return { repo, cacher, cached };
  };

  describe('withCache', () => {
    it('reads through the cacher: a miss fills it under <name>/<id>, the next read is a hit', async () => {
      const { repo, cacher, cached } = await setup();
      const first = await cached.retrieve('c');
      expect(first).toEqual(await repo.retrieve('c'));
      expect(cacher.entries.get('contacts/c')?.expiryMs).toBe(60_000);
      // Change the record behind the cache's back: a hit still serves the cached copy.
      await repo.update('c', { city: 'Paris' });
      expect((await cached.retrieve('c')).city).toBe('London');
      expect(cacher.calls.hits).toBe(1);
    });

    it('invalidates on update and delete_ made through it', async () => {
      const { cacher, cached } = await setup();
      await cached.retrieve('c');
      expect((await cached.update('c', { city: 'Paris' })).city).toBe('Paris');
      expect(cacher.entries.has('contacts/c')).toBe(false);
      expect((await cached.retrieve('c')).city).toBe('Paris');
      expect(await cached.delete_('c')).toBe(true);
      expect(cacher.entries.has('contacts/c')).toBe(false);
      await expect(cached.retrieve('c')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      expect(cacher.entries.has('contacts/c')).toBe(false);
    });

    it('passes everything else through and shares the repo name and em', async () => {
      const { repo, cached } = await setup();
      expect(cached.name).toBe(repo.name);
      expect(cached.em).toBe(repo.em);
      const bo = await cached.create({ id: 'b', name: 'Bo', city: 'London' });
      expect(await repo.retrieve('b')).toEqual(bo);
      expect((await cached.findMany({ city: 'London' }, { orderBy: 'name' })).map((r) => r.id)).toEqual(['c', 'b']);
      expect(await cached.count({ city: 'London' })).toBe(2);
    });

    it('does not put back a copy read before a concurrent update', async () => {
      const { repo, cacher, cached } = await setup();
      // Hold the repo read (after it read the old record) until the update went through.
      const release = deferred();
      const oldWasRead = deferred();
      const realRetrieve = repo.retrieve.bind(repo);
      repo.retrieve = async (id: string) => {
        const old = await realRetrieve(id);
        oldWasRead.resolve();
        await release.promise;
        return old;
      };
      const reading = cached.retrieve('c');
      await oldWasRead.promise;
      await cached.update('c', { city: 'Paris' });
      release.resolve();
      expect((await reading).city).toBe('London');
      expect(cacher.entries.has('contacts/c')).toBe(false);
      repo.retrieve = realRetrieve;
      expect((await cached.retrieve('c')).city).toBe('Paris');
    });

    it('falls back to the repo when the cacher fails, and reports each failure on em "error"', async () => {
      const { repo, cacher, cached } = await setup();
      const errors: RepoEventError[] = [];
      repo.em.on('error', async (report: RepoEventError) => {
        errors.push(report);
      });
      cacher.failing = { getItem: true, setItem: true, delItem: true };
      expect((await cached.retrieve('c')).name).toBe('Ada');
      expect((await cached.update('c', { name: 'Bo' })).name).toBe('Bo');
      expect(errors.map((e) => e.event)).toEqual(['withCache.getItem', 'withCache.setItem', 'withCache.delItem']);
      expect(errors.every((e) => e.repo === 'contacts')).toBe(true);
    });

    it('rejects a bad expiry and a bad id', async () => {
      const { repo, cached } = await setup();
      expect(() => withCache(repo, new TestCacher(), { expiryMs: 0 })).toThrow(MotifsErrorValidation);
      await expect(cached.retrieve('' as string)).rejects.toBeInstanceOf(MotifsErrorValidation);
    });
  });
}
