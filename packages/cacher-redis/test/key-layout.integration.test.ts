// The cacher's key layout on a real Redis, on a redis-server of our own: cachers with and without
// a namespace, with names full of structural and glob characters, share one database with another
// application's keys and only ever list, read or delete their own.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { describeWithService } from '@motifs/test-suite';
import { createRedisCacher, type RedisCacher } from '../src/index.js';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';

const PIECES = ['{', '}', ':', '*', '?', '[', ']', '\\', '^', '-', 'a', 'b', 'm', 'é', '🙂'];
const text = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.constantFrom(...PIECES), { minLength, maxLength }).map((p) => p.join('')) },
    { weight: 1, arbitrary: fc.constantFrom('{motifs', 'people}:rec:p1', 'motifs:cache:', 'x:y', '*', '[a-z]').filter((s) => s.length >= minLength) },
  );
const sorted = (keys: string[]): string[] => [...keys].sort();

describeWithService({ describe, it }, 'redis', 'redis cacher key layout on a shared database', () => {
  let server: ChildProcess;
  let url: string;
  let raw: Redis;

  beforeAll(async () => {
    const port = await freePort();
    server = await startRedis(port);
    url = `redis://127.0.0.1:${port}`;
    raw = new Redis(url);
  }, 30_000);
  afterAll(async () => {
    raw?.disconnect();
    if (server) await stopRedis(server);
  });

  it('keys are written as motifs:cache:<namespace>:<key>, "" being the namespace of a cacher without one', async () => {
    const bare = await createRedisCacher({ redis: { url } });
    const named = await createRedisCacher({ namespace: 'app', redis: { url } });
    try {
      await bare.setItem('k', 1, 60_000);
      await named.setItem('{x}:k', 2, 60_000);
      expect(sorted(await raw.keys('*'))).toEqual(['motifs:cache::k', 'motifs:cache:app:{x}:k']);
      // Keys written without the layout (another app, or a 0.1 cacher) are not this cacher's.
      await raw.set('k', '"old"');
      await raw.set('app:k', '"old"');
      await expect(bare.getItem('app:k')).rejects.toMatchObject({ code: 'MOTIFS_NOT_FOUND' });
      expect(await named.getKeys('*')).toEqual(['{x}:k']);
      expect(await bare.getKeys('*')).toEqual(['k']);
    } finally {
      await Promise.all([bare.close(), named.close()]);
      await raw.flushdb();
    }
  });

  it('expire events only report this cacher\'s own keys', async () => {
    await raw.config('SET', 'notify-keyspace-events', 'Ex');
    const bare = await createRedisCacher({ redis: { url, expiryEvents: true } });
    try {
      await bare.expiryEventsReady();
      const seen: string[] = [];
      bare.em.on('expire', ({ key }) => void seen.push(key));
      await raw.set('foreign-expiring', 'x', 'PX', 1);
      await bare.setItem('mine', 1, 1);
      const deadline = Date.now() + 10_000;
      while (seen.length === 0 && Date.now() < deadline) {
        await raw.exists('foreign-expiring', 'motifs:cache::mine'); // an access expires a due key at once
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen).toEqual(['mine']);
    } finally {
      await bare.close();
      await raw.flushdb();
    }
  });

  it('a hash-tagged namespace is written motifs:cache{<namespace>}:<key> and refuses braces', async () => {
    const tagged = await createRedisCacher({ namespace: 'app', redis: { url, hashTagNamespace: true } });
    const bare = await createRedisCacher({ redis: { url, hashTagNamespace: true } });
    const plain = await createRedisCacher({ namespace: '{app}', redis: { url } });
    try {
      await tagged.setItem('k', 1, 60_000);
      await bare.setItem('k', 2, 60_000);
      await plain.setItem('k', 3, 60_000);
      expect(sorted(await raw.keys('*'))).toEqual(['motifs:cache:{app}:k', 'motifs:cache{app}:k', 'motifs:cache{}:k']);
      // The untagged namespace "{app}" spells the same hash tag, never the same keys.
      expect(await tagged.getItemsLike('')).toEqual({ k: 1 });
      expect(await plain.getItemsLike('')).toEqual({ k: 3 });
      await expect(createRedisCacher({ namespace: 'a{b', redis: { url, hashTagNamespace: true } })).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION', issues: [{ path: ['namespace'] }] });
    } finally {
      await Promise.all([tagged.close(), bare.close(), plain.close()]);
      await raw.flushdb();
    }
  });

  it('property: cachers in any namespaces (none included), tagged or not, see exactly their own entries, never a foreign key', async () => {
    const cachers = new Map<string, RedisCacher>();
    const cacherFor = async (namespace: string, tagged = false): Promise<RedisCacher> => {
      let cacher = cachers.get(`${tagged}|${namespace}`);
      if (!cacher) cachers.set(`${tagged}|${namespace}`, (cacher = await createRedisCacher({ namespace, redis: { url, hashTagNamespace: tagged } })));
      return cacher;
    };
    const entry = fc
      .record({ namespace: fc.oneof(fc.constant(''), text(1, 5).filter((n) => !n.includes(':'))), key: text(1, 8), tagged: fc.boolean() })
      .map((e) => ({ ...e, tagged: e.tagged && !/[{}]/.test(e.namespace) }))
      .map(({ namespace, key, tagged }) => ({ namespace: `${tagged ? '#' : ''}${namespace}`, key }));
    // A model name starting with '#' stands for the hash-tagged cacher of the rest.
    const cacherOf = (name: string): Promise<RedisCacher> => (name.startsWith('#') ? cacherFor(name.slice(1), true) : cacherFor(name));
    const foreign = fc.record({ key: text(1, 10), kind: fc.constantFrom('string', 'list', 'hash') });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(entry, { maxLength: 12 }), fc.uniqueArray(foreign, { selector: (f) => f.key, maxLength: 6 }), async (entries, foreigners) => {
          await raw.flushdb();
          // Foreign keys first: another application's strings, lists and hashes, anywhere.
          for (const { key, kind } of foreigners) {
            if (kind === 'string') await raw.set(key, 'not json');
            else if (kind === 'list') await raw.rpush(key, 'x');
            else await raw.hset(key, 'f', 'v');
          }
          const foreignBefore = sorted(await raw.keys('*'));
          const model = new Map<string, Map<string, string>>();
          for (const { namespace, key } of entries) {
            const value = `${namespace}|${key}`;
            await (await cacherOf(namespace)).setItem(key, value, 60_000);
            if (!model.has(namespace)) model.set(namespace, new Map());
            model.get(namespace)!.set(key, value);
          }
          for (const [namespace, own] of model) {
            const cacher = await cacherOf(namespace);
            expect(sorted(await cacher.getKeys('*'))).toEqual(sorted([...own.keys()]));
            expect(await cacher.getItemsLike('')).toEqual(Object.fromEntries(own));
            for (const [key, value] of own) expect(await cacher.getItem(key)).toBe(value);
          }
          for (const [namespace, own] of model) expect(await (await cacherOf(namespace)).delItemsLike('')).toBe(own.size);
          // Whatever the names spelled, every foreign key is still there, and nothing else is.
          expect(sorted(await raw.keys('*'))).toEqual(foreignBefore);
        }),
        { numRuns: 40 },
      );
    } finally {
      await Promise.all([...cachers.values()].map((c) => c.close()));
      await raw.flushdb();
    }
  }, 120_000);
});
