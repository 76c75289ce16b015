import { MotifsErrorConflict, MotifsErrorNotFound } from '@motifs/core';
import type { TestApi } from '../runner.js';
import { idsOf, type MakeTestRepo } from './fixtures.js';

/** Concurrent writes never lose an update, never double-create, never desync an index. */
export function concurrencyContract(api: TestApi, make: MakeTestRepo, timeoutMs: number): void {
  const { describe, it, expect } = api;

  describe('concurrency', () => {
    it('loses none of 300 concurrent updates of one record', async () => {
      const repo = await make({ indexes: ['city'] });
      await repo.create({ id: 'hot', name: 'Ada', city: 'c0' });
      const n = 300;
      const results = await Promise.all(Array.from({ length: n }, (_, i) => repo.update('hot', { [`f${i}`]: i, city: `c${i % 7}` })));
      const final = await repo.retrieve('hot');
      for (let i = 0; i < n; i++) expect(final[`f${i}`]).toBe(i);
      // Each update returned a record with at least its own field merged in.
      results.forEach((r, i) => expect(r[`f${i}`]).toBe(i));
      // The index holds exactly the final value, nothing stale.
      for (let k = 0; k < 7; k++) {
        expect(await repo.count({ city: `c${k}` })).toBe(final.city === `c${k}` ? 1 : 0);
      }
    }, timeoutMs);

    it('lets exactly one of 50 concurrent creates of one id win; the rest get the conflict error', async () => {
      const repo = await make({ indexes: ['city'] });
      const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => repo.create({ id: 'once', name: `n${i}`, city: `c${i}` })));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const o of lost) expect(o.reason).toBeInstanceOf(MotifsErrorConflict);
      const winner = (won[0] as PromiseFulfilledResult<{ name: string; city: string }>).value;
      expect(await repo.retrieve('once')).toMatchObject({ name: winner.name, city: winner.city });
      expect(await repo.count({})).toBe(1);
      expect(idsOf(await repo.findMany({ city: { $in: Array.from({ length: 50 }, (_, i) => `c${i}`) } }))).toEqual(['once']);
    }, timeoutMs);

    it('keeps indexes equal to a scan under mixed concurrent creates, updates and deletes', async () => {
      const repo = await make({ indexes: ['city', 'age'] });
      const ids = Array.from({ length: 40 }, (_, i) => `r${i}`);
      await Promise.all(ids.map((id, i) => repo.create({ id, name: id, city: `c${i % 4}`, age: i })));
      const ops: Promise<unknown>[] = [];
      for (let round = 0; round < 5; round++) {
        ids.forEach((id, i) => {
          const pick = (i + round) % 5;
          if (pick === 0) ops.push(repo.delete_(id));
          else if (pick === 1) ops.push(repo.create({ id, name: id, city: `c${round}`, age: round }).catch((e) => expect(e).toBeInstanceOf(MotifsErrorConflict)));
          else ops.push(repo.update(id, { city: `c${(i * round) % 5}`, age: i * round }).catch((e) => expect(e).toBeInstanceOf(MotifsErrorNotFound)));
        });
      }
      await Promise.all(ops);
      const all = await repo.findMany({});
      for (let c = 0; c < 5; c++) {
        const expected = idsOf(all.filter((r) => r.city === `c${c}`));
        expect(idsOf(await repo.findMany({ city: `c${c}` }))).toEqual(expected);
      }
      const ranged = idsOf(all.filter((r) => typeof r.age === 'number' && r.age >= 10 && r.age < 60));
      expect(idsOf(await repo.findMany({ age: { $gte: 10, $lt: 60 } }))).toEqual(ranged);
      expect(await repo.count({})).toBe(all.length);
    }, timeoutMs);
  });
}
