import { describe, expect, it } from '@jest/globals';
import { MotifsErrorValidation, type IBaseDto } from '@motifs/core';
import { createMemoryRepo, createRepo, MemoryRepo } from '../src/index.js';

interface Item extends IBaseDto {
  name: string;
  score?: number;
}

describe('memory repo options', () => {
  it.each([
    ['no name', {}],
    ['a name with a dot (it would blur event names)', { name: 'a.b' }],
    ['a name with a colon', { name: 'a:b' }],
    ['an empty namespace', { name: 'a', namespace: '' }],
    ['indexes that are not a list', { name: 'a', indexes: 'city' }],
    ['an unsafe index', { name: 'a', indexes: ['__proto__'] }],
    ['a duplicate index', { name: 'a', indexes: ['city', 'city'] }],
  ])('rejects %s', (_label, options) => {
    expect(() => createRepo(options as never)).toThrow(MotifsErrorValidation);
  });

  it('builds the same repo from createRepo and createMemoryRepo', () => {
    expect(createRepo({ kind: 'memory', name: 'a' })).toBeInstanceOf(MemoryRepo);
    expect(createMemoryRepo({ name: 'a', namespace: 'x' }).namespace).toBe('x');
  });
});

describe('memory repo ranges on an index', () => {
  it('answers ranges correctly while values are added and removed between queries', async () => {
    const repo = createMemoryRepo<Item>({ name: 'items', indexes: ['score'] });
    const scores = [5, -1, 3.5, 10, 3.5, 0, 7];
    for (const [i, score] of scores.entries()) await repo.create({ id: `i${i}`, name: `n${i}`, score });
    const ids = async (c: Parameters<typeof repo.findMany>[0]) => (await repo.findMany(c)).map((r) => r.id);
    expect(await ids({ score: { $gte: 3.5, $lt: 10 } })).toEqual(['i0', 'i2', 'i4', 'i6']);
    await repo.update('i2', { score: 11 });
    await repo.delete_('i6');
    await repo.create({ id: 'i9', name: 'n9', score: 4 });
    expect(await ids({ score: { $gte: 3.5, $lt: 10 } })).toEqual(['i0', 'i4', 'i9']);
    expect(await ids({ score: { $gt: 10 } })).toEqual(['i2']);
    expect(await ids({ score: { $lte: 0 } })).toEqual(['i1', 'i5']);
    await repo.close();
  });
});

describe('memory repo create: the one-walk copy matches the JSON round trip', () => {
  const roundTrip = (dto: Record<string, unknown>): unknown => {
    const { id, createdAt: _c, updatedAt: _u, ...rest } = dto;
    return JSON.parse(JSON.stringify({ id, ...rest }));
  };
  const withoutStamps = ({ createdAt: _c, updatedAt: _u, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;

  it.each([
    ['flat fields', { id: 'a', name: 'x', n: 1.5, ok: true, none: null }],
    ['nested objects and arrays', { id: 'a', o: { p: [1, { q: 'r' }, [null]], s: {} }, list: [] }],
    ['Dates, -0 and integer-like keys', { id: 'a', when: new Date(0), z: -0, deep: [{ at: new Date(86_400_000) }], 2: 'two', 1: 'one' }],
    ['an object without prototype', { id: 'a', bare: Object.assign(Object.create(null) as object, { k: 1 }) }],
    ['lone surrogates in values and nested keys', { id: 'a', v: 'a\ud800', o: { ['k\udc00']: 1 } }],
    ['managed fields given by the caller', { id: 'a', createdAt: 'then', updatedAt: new Date(0), name: 'x' }],
    ['a toJSON (the precise path)', { id: 'a', v: { toJSON: () => ({ x: 1 }) } }],
  ])('%s', async (_label, dto) => {
    const repo = createMemoryRepo({ name: 'copies', indexes: ['name'] });
    const created = (await repo.create(dto as never)) as unknown as Record<string, unknown>;
    expect(withoutStamps(created)).toStrictEqual(roundTrip(dto));
    expect(Object.keys(created)).toEqual([...Object.keys(roundTrip(dto) as object), 'createdAt', 'updatedAt']);
    expect(created.createdAt).toBe(created.updatedAt);
    expect(Object.is((created as { z?: number }).z, -0)).toBe(false);
    const read = (await repo.retrieve('a')) as unknown as Record<string, unknown>;
    expect(read).toStrictEqual(created);
    await repo.close();
  });

  it('gives records of one layout (built from a template after two alike) their own fields, in record order', async () => {
    const repo = createMemoryRepo({ name: 'layouts', indexes: ['k'] });
    const dtos = [
      { 2: 'b', k: 'x', createdAt: 'then', id: 'a1', list: [1] },
      { 2: 'b', k: 'y', createdAt: 'then', id: 'a2', list: [2] },
      { 2: 'b', k: 'z', createdAt: 'then', id: 'a3', list: [3] },
      { k: 'w', id: 'b1' },
      { 2: 'c', k: 'v', createdAt: 'then', id: 'a4', list: [{ o: 4 }] },
      { 2: 'c', k: 'v', createdAt: 'then', id: 'a5', list: [5], extra: true },
    ];
    for (const dto of dtos) {
      const created = (await repo.create(dto as never)) as unknown as Record<string, unknown>;
      expect(withoutStamps(created)).toStrictEqual(roundTrip(dto));
      expect(Object.keys(created)).toEqual([...Object.keys(roundTrip(dto) as object), 'createdAt', 'updatedAt']);
    }
    const noIds = [{ k: 'n' }, { k: 'n' }, { k: 'n' }];
    const made = await Promise.all(noIds.map((dto) => repo.create(dto as never)));
    expect(new Set(made.map((r) => r.id)).size).toBe(3);
    expect(Object.keys(made[2]!)).toEqual(['id', 'k', 'createdAt', 'updatedAt']);
    expect(await repo.findMany({ k: 'x' })).toMatchObject([{ id: 'a1', list: [1] }]);
    expect(await repo.count({ k: 'n' })).toBe(3);
    await repo.close();
  });

  it('rejects what JSON cannot hold, with nothing stored', async () => {
    const repo = createMemoryRepo({ name: 'refusals' });
    const cycle: Record<string, unknown> = { id: 'c' };
    cycle.self = cycle;
    class Point {
      x = 1;
    }
    const bad: unknown[] = [
      { id: 'u', v: undefined },
      { id: 'f', v: () => 1 },
      { id: 'n', v: Number.NaN },
      { id: 'i', v: [Infinity] },
      cycle,
      { id: 'p', v: new Point() },
      JSON.parse('{"id":"q","v":{"__proto__":{"x":1}}}'),
      { id: 'k', v: { constructor: 1 } },
      // eslint-disable-next-line no-sparse-arrays -- a hole, which JSON would turn into null
      { id: 's', v: [1, , 3] },
      { id: 'd', v: new Date(Number.NaN) },
      { id: new Date(0) },
      { id: 7 },
      { ['f\ud800']: 1 },
      { id: 'b', v: 10n },
    ];
    for (const dto of bad) await expect(repo.create(dto as never)).rejects.toThrow();
    expect(await repo.count({})).toBe(0);
    await repo.close();
  });

  it('stores a copy: the caller may change the dto and every record it gets back', async () => {
    const repo = createMemoryRepo({ name: 'isolation', indexes: ['tag'] });
    const dto = { id: 'a', tag: 't', list: [1, 2], o: { k: 'v' } };
    const created = (await repo.create(dto)) as unknown as typeof dto;
    dto.list.push(3);
    dto.o.k = 'changed';
    dto.tag = 'u';
    created.list.push(4);
    created.o.k = 'mine';
    const [found] = (await repo.findMany({ tag: 't' })) as unknown as (typeof dto)[];
    expect(found).toMatchObject({ id: 'a', tag: 't', list: [1, 2], o: { k: 'v' } });
    found!.list.length = 0;
    expect(await repo.retrieve('a')).toMatchObject({ list: [1, 2], o: { k: 'v' } });
    await repo.close();
  });

  it('ignores symbol keys and non-enumerable fields, as JSON does', async () => {
    const repo = createMemoryRepo({ name: 'hidden' });
    const dto = Object.defineProperty({ id: 'a', [Symbol('s')]: 1, v: 1 }, 'secret', { value: 2, enumerable: false });
    const created = await repo.create(dto as never);
    expect(Object.getOwnPropertySymbols(created)).toEqual([]);
    expect(Reflect.ownKeys(await repo.retrieve('a'))).toEqual(['id', 'v', 'createdAt', 'updatedAt']);
    await repo.close();
  });
});

describe('memory repo create events', () => {
  it('emits to listeners added or removed at any time, also after creates without any', async () => {
    const repo = createMemoryRepo({ name: 'ev' });
    await repo.create({ id: 'quiet' });
    const seen: string[] = [];
    const off = repo.em.on('ev.create.before', ({ dto }) => {
      seen.push(`before ${dto.id}`);
    });
    await repo.create({ id: 'a' });
    off();
    await repo.create({ id: 'b' });
    const offAny = repo.em.onAny((name) => {
      seen.push(String(name));
    });
    await repo.create({ id: 'c' });
    offAny();
    repo.em.on('ev.create.after', ({ dto }) => {
      seen.push(`after ${dto.id}`);
    });
    await repo.create({ id: 'd' });
    repo.em.clearListeners();
    await repo.create({ id: 'e' });
    expect(seen).toEqual(['before a', 'ev.create.before', 'ev.create.after', 'after d']);
    expect(await repo.count({})).toBe(6);
    await repo.close();
  });

  it('a before listener that throws aborts the create; an after listener gets a copy', async () => {
    const repo = createMemoryRepo({ name: 'ab' });
    const off = repo.em.on('ab.create.before', () => {
      throw new Error('no');
    });
    await expect(repo.create({ id: 'x' })).rejects.toThrow('no');
    off();
    repo.em.on('ab.create.after', ({ dto }) => {
      (dto as { id: string; v?: number }).v = 99;
    });
    const created = await repo.create({ id: 'y' });
    expect(created).not.toHaveProperty('v');
    expect(await repo.retrieve('y')).not.toHaveProperty('v');
    expect(await repo.count({})).toBe(1);
    await repo.close();
  });
});

describe('memory repo index of many records under one value', () => {
  it('answers like a full scan while a value goes from a few ids to hundreds and back', async () => {
    interface Member extends IBaseDto {
      team: string;
      teamCopy: string;
    }
    const repo = createMemoryRepo<Member>({ name: 'crowd', indexes: ['team'] });
    const same = async (team: string): Promise<void> => {
      const indexed = (await repo.findMany({ team })).map((r) => r.id);
      const scanned = (await repo.findMany({ teamCopy: team })).map((r) => r.id);
      expect(indexed).toEqual(scanned);
      expect(await repo.count({ team })).toBe(scanned.length);
    };
    for (let i = 0; i < 600; i++) await repo.create({ id: `p${i}`, team: i % 2 ? 'odd' : 'even', teamCopy: i % 2 ? 'odd' : 'even' });
    await same('odd');
    for (let i = 0; i < 600; i += 3) await repo.delete_(`p${i}`);
    await same('odd');
    await same('even');
    for (let i = 1; i < 600; i += 6) await repo.update(`p${i}`, { team: 'moved', teamCopy: 'moved' });
    await same('odd');
    await same('moved');
    for (let i = 0; i < 600; i++) await repo.delete_(`p${i}`);
    await same('odd');
    expect(await repo.count({ team: { $in: ['odd', 'even', 'moved'] } })).toBe(0);
    await repo.create({ id: 'p1', team: 'odd', teamCopy: 'odd' });
    await same('odd');
    await repo.close();
  });
});
