// Several repo instances on one Redis (many processes of one service): one instance changing the
// index list must never leave another answering silently wrong (issue 14, defect 4).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MotifsErrorConflict, isMotifsError, type IBaseDto } from '@motifs/core';
import { escapeGlob } from '@motifs/core/kit';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { createRedisRepo, type RedisRepo } from '../src/index.js';

interface Row extends IBaseDto {
  grp?: string;
  n?: number;
}

describeWithService({ describe, it }, 'redis', 'redis repo: instances sharing one repo', () => {
  const namespace = uniqueNamespace('motifs-repo-instances');
  let raw: Redis;
  const open: RedisRepo<Row>[] = [];

  const make = async (indexes: string[], name = 'rows'): Promise<RedisRepo<Row>> => {
    const repo = await createRedisRepo<Row>({ name, namespace, indexes, redis: { url: redisUrl(), commandTimeoutMs: 20_000 } });
    open.push(repo);
    return repo;
  };

  /** The outcome of a call: its value, or the code of the motifs error it threw. */
  const outcome = <T>(call: Promise<T>): Promise<T | string> =>
    call.catch((err: unknown) => {
      if (isMotifsError(err)) return err.code;
      throw err;
    });

  beforeAll(() => {
    raw = new Redis(redisUrl(), { lazyConnect: true });
  });

  afterEach(async () => {
    for (const repo of open.splice(0)) await repo.close();
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `{${escapeGlob(namespace)}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await raw.unlink(...keys);
    } while (cursor !== '0');
  });

  afterAll(async () => {
    await raw.quit();
  });

  it('an instance whose index list another instance replaced answers correctly or with MOTIFS_CONFLICT, never 0', async () => {
    const a = await make(['grp']);
    for (let i = 0; i < 4; i++) await a.create({ id: `r${i}`, grp: 'g', n: i });
    expect(await a.findMany({ grp: 'g' })).toHaveLength(4);
    expect(await a.count({ grp: 'g' })).toBe(4);

    const b = await make(['n']);
    expect(await b.reindex()).toBe(4);

    for (const call of [a.findMany({ grp: 'g' }).then((r) => r.length), a.count({ grp: 'g' }), a.findMany({ grp: 'g', n: { $gte: 0 } }).then((r) => r.length)]) {
      expect([4, 'MOTIFS_CONFLICT']).toContain(await outcome(call));
    }
    // Writes with the stale list are refused and leave the new index complete.
    for (const call of [a.create({ id: 'r9', grp: 'g', n: 9 }), a.update('r0', { n: 100 }), a.delete_('r1')] as Promise<unknown>[]) {
      expect(await outcome(call)).toBe('MOTIFS_CONFLICT');
    }
    expect((await b.findMany({ n: { $gte: 0 } })).map((r) => r.id).sort()).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(await b.count({ n: 2 })).toBe(1);

    // Back to the first list: the first instance answers again, correctly.
    const c = await make(['grp']);
    await c.reindex();
    expect(await a.count({ grp: 'g' })).toBe(4);
    expect(await a.findMany({ grp: 'g' })).toHaveLength(4);
    expect(await outcome(b.count({ n: 2 }))).toBe('MOTIFS_CONFLICT');
  });

  it('writes by an instance with the old list while reindex() runs cannot leave the new index incomplete', async () => {
    const a = await make(['grp']);
    const total = 3000;
    for (let start = 0; start < total; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => a.create({ id: `r${start + i}`, grp: 'g', n: (start + i) % 7 })));
    }
    const b = await make(['n']);
    let stop = false;
    let written = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const done = await outcome(a.create({ id: `w${i}`, grp: 'g', n: i % 7 }));
        if (done !== 'MOTIFS_CONFLICT') written++;
      }
    })();
    const reindexed = await outcome(b.reindex());
    stop = true;
    await writer;
    expect(typeof reindexed === 'number' || reindexed === 'MOTIFS_CONFLICT').toBe(true);
    if (reindexed === 'MOTIFS_CONFLICT') await b.reindex();
    const all = await b.findMany({});
    expect(all.length).toBe(total + written);
    for (let v = 0; v < 7; v++) {
      const viaIndex = (await b.findMany({ n: v })).map((r) => r.id).sort();
      const viaScan = all.filter((r) => r.n === v).map((r) => r.id).sort();
      expect({ v, ids: viaIndex }).toEqual({ v, ids: viaScan });
      expect(await b.count({ n: v })).toBe(viaScan.length);
    }
  }, 120_000);

  it('two reindex() calls with different lists at once: whatever list ends up stored is fully indexed', async () => {
    const seed = await make([]);
    for (let start = 0; start < 2000; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => seed.create({ id: `r${start + i}`, grp: `g${(start + i) % 5}`, n: (start + i) % 7 })));
    }
    const byGrp = await make(['grp']);
    const byN = await make(['n']);
    const outcomes = await Promise.all([outcome(byGrp.reindex()), outcome(byN.reindex())]);
    for (const o of outcomes) expect(o === 2000 || o === 'MOTIFS_CONFLICT').toBe(true);
    const all = await seed.findMany({}).catch(async () => byGrp.findMany({}).catch(() => byN.findMany({})));
    expect(all).toHaveLength(2000);
    const grp = await outcome(byGrp.count({ grp: 'g1' }));
    const n = await outcome(byN.count({ n: 3 }));
    // At most one list is stored; the instance declaring it answers exactly, the other refuses.
    expect([grp, n].filter((x) => x === 'MOTIFS_CONFLICT').length).toBeGreaterThanOrEqual(1);
    if (grp !== 'MOTIFS_CONFLICT') expect(grp).toBe(all.filter((r) => r.grp === 'g1').length);
    if (n !== 'MOTIFS_CONFLICT') expect(n).toBe(all.filter((r) => r.n === 3).length);
    if (grp !== 'MOTIFS_CONFLICT') expect((await byGrp.findMany({ grp: { $in: ['g1', 'g2'] } })).length).toBe(all.filter((r) => r.grp === 'g1' || r.grp === 'g2').length);
  }, 120_000);

  it('an interrupted reindex() leaves every instance refusing (MOTIFS_CONFLICT) until reindex() completes', async () => {
    const a = await make(['grp']);
    for (let i = 0; i < 3; i++) await a.create({ id: `r${i}`, grp: 'g', n: i });
    const meta = (await raw.hgetall(`{${namespace}:rows}:meta`)) as Record<string, string>;
    expect(meta.indexes).toBe('["grp"]');
    // What a reindex() that died half-way leaves behind: its marker instead of the list (see layout.ts).
    await raw.hset(`{${namespace}:rows}:meta`, 'indexes', '!reindex:dead-instance');
    for (const call of [a.count({ grp: 'g' }), a.findMany({ grp: 'g' }), a.create({ id: 'x', grp: 'g' }), a.update('r0', { n: 5 }), a.delete_('r1')]) {
      const err = await (call as Promise<unknown>).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MotifsErrorConflict);
      expect((err as MotifsErrorConflict).message).toMatch(/reindex/);
    }
    expect(await a.reindex()).toBe(3);
    expect(await a.count({ grp: 'g' })).toBe(3);
  });
});
