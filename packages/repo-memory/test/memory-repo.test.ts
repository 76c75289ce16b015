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
