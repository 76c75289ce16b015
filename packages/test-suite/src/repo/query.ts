import type { IConditions, IRepo } from '@motifs/core';
import type { TestApi } from '../runner.js';
import { PEOPLE, eachCase, idsOf, orderOf, type MakeTestRepo } from './fixtures.js';
import type { Person } from './types.js';

const QUERIES: [string, IConditions, string[]][] = [
  ['{} matches everything', {}, PEOPLE.map((p) => p.id)],
  ['one field', { city: 'London' }, ['p01', 'p04', 'p08']],
  ['several fields (AND)', { city: 'London', active: false }, ['p04']],
  ['case matters', { city: 'oslo' }, ['p07']],
  ['a number never equals its string', { city: 1 }, ['p09']],
  ['a string never equals its number', { city: '1' }, ['p10']],
  ['null matches stored null only (not a missing field)', { city: null }, ['p05']],
  ['a boolean', { active: true }, ['p01', 'p03', 'p06', 'p07', 'p10']],
  ['false is not missing', { active: false }, ['p02', 'p04']],
  ['no match', { city: 'Berlin' }, []],
  ['a field nobody has', { planet: 'Mars' }, []],
  ['$in', { city: { $in: ['Oslo', 'Paris', 1] } }, ['p02', 'p03', 'p09']],
  ['$in with null', { city: { $in: [null, 'oslo'] } }, ['p05', 'p07']],
  ['an empty $in matches nothing', { city: { $in: [] } }, []],
  ['$gte and $lt (numbers only, never the string "40")', { age: { $gte: 18, $lt: 64.5 } }, ['p01', 'p04', 'p05', 'p10']],
  ['$gt and $lte', { age: { $gt: 18, $lte: 65 } }, ['p01', 'p03', 'p05', 'p07']],
  ['$lt 0', { age: { $lt: 0 } }, ['p08']],
  ['$gte 0 (zero included)', { age: { $gte: 0, $lte: 0 } }, ['p09']],
  ['an empty range', { age: { $gt: 40, $lt: 40 } }, []],
  ['a range with equality elsewhere', { city: 'London', age: { $gte: 18 } }, ['p01', 'p04']],
  ['$in and a range on one field', { age: { $in: [17, 18, 36, '40'], $gt: 17 } }, ['p01', 'p04', 'p10']],
  ['a range on a non-number field', { city: { $gt: 0 } }, ['p09']],
];

/** findMany / count: the same answers with and without indexes. */
export function queryContract(api: TestApi, make: MakeTestRepo): void {
  const { describe, it, expect, beforeEach } = api;

  for (const variant of ['scan', 'indexed'] as const) {
    describe(`findMany and count (${variant})`, () => {
      let repo: IRepo<Person>;
      beforeEach(async () => {
        repo = await make({ indexes: variant === 'indexed' ? ['city', 'age', 'active'] : [] });
        for (const person of PEOPLE) await repo.create(person);
      });

      eachCase(api, QUERIES, '%s', async (_label, conditions, expected) => {
        const found = await repo.findMany(conditions);
        expect(idsOf(found)).toEqual([...expected].sort());
        expect(await repo.count(conditions)).toBe(expected.length);
        for (const record of found) expect(record).toEqual(await repo.retrieve(record.id));
      });

      it('orders by id by default', async () => {
        expect(orderOf(await repo.findMany({}))).toEqual(PEOPLE.map((p) => p.id));
      });

      it('orders by a field: missing and null first, then booleans, numbers, strings; ties by id', async () => {
        expect(orderOf(await repo.findMany({}, { orderBy: 'city' }))).toEqual(['p05', 'p06', 'p09', 'p10', 'p01', 'p04', 'p08', 'p02', 'p03', 'p07']);
        expect(orderOf(await repo.findMany({}, { orderBy: 'age' }))).toEqual(['p08', 'p09', 'p02', 'p04', 'p10', 'p01', 'p05', 'p07', 'p03', 'p06']);
        expect(orderOf(await repo.findMany({ city: 'London' }, { orderBy: { field: 'age', direction: 'desc' } }))).toEqual(['p01', 'p04', 'p08']);
        expect(orderOf(await repo.findMany({}, { orderBy: { field: 'id', direction: 'desc' } }))).toEqual(PEOPLE.map((p) => p.id).reverse());
      });

      it('pages with limit and offset without gaps or overlaps', async () => {
        const pages: string[] = [];
        for (let offset = 0; offset < 12; offset += 3) {
          const page = await repo.findMany({}, { orderBy: 'name', limit: 3, offset });
          expect(page.length).toBeLessThanOrEqual(3);
          pages.push(...orderOf(page));
        }
        expect(pages).toEqual(PEOPLE.map((p) => p.id));
        expect(await repo.findMany({ city: 'London' }, { limit: 0 })).toEqual([]);
        expect(orderOf(await repo.findMany({ city: 'London' }, { offset: 2 }))).toEqual(['p08']);
        expect(await repo.findMany({ city: 'London' }, { offset: 5, limit: 5 })).toEqual([]);
      });

      it('follows updates and deletes of queried fields', async () => {
        await repo.update('p01', { city: 'Paris', age: 99 });
        await repo.delete_('p04');
        await repo.update('p05', { city: 'London' });
        await repo.update('p09', { age: 'unknown' });
        expect(idsOf(await repo.findMany({ city: 'London' }))).toEqual(['p05', 'p08']);
        expect(idsOf(await repo.findMany({ city: 'Paris' }))).toEqual(['p01', 'p03']);
        expect(idsOf(await repo.findMany({ city: null }))).toEqual([]);
        expect(idsOf(await repo.findMany({ age: { $gt: 90 } }))).toEqual(['p01']);
        expect(idsOf(await repo.findMany({ age: { $lte: 0 } }))).toEqual(['p08']);
        expect(await repo.count({ age: 36 })).toBe(0);
        expect(await repo.count({})).toBe(PEOPLE.length - 1);
      });

      it('does not index a non-scalar value but still stores it', async () => {
        await repo.update('p02', { city: ['Oslo'] as never });
        expect(idsOf(await repo.findMany({ city: 'Oslo' }))).toEqual([]);
        expect((await repo.retrieve('p02')).city).toEqual(['Oslo']);
        await repo.update('p02', { city: 'Oslo' });
        expect(idsOf(await repo.findMany({ city: 'Oslo' }))).toEqual(['p02']);
      });
    });
  }
}
