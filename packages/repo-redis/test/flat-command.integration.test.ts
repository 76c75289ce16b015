import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { Command, Redis } from 'ioredis';
import { flatSender } from '../src/flat-command.js';
import { createRedisRepo } from '../src/index.js';

// The hot commands sent without ioredis' argument copy must be the very commands `client.call`
// sends: same replies, same errors, same timeout, numbers as text, and a fallback to `call`
// wherever the client's options make its call methods do more.
describeWithService({ describe, it }, 'redis', 'repo-redis: commands sent without the argument copy', () => {
  const namespace = uniqueNamespace('motifs-flat-command');
  const key = (name: string): string => `{${namespace}}:${name}`;
  let client: Redis;

  beforeAll(async () => {
    client = new Redis(redisUrl(), { lazyConnect: true, commandTimeout: 2000 });
    await client.connect();
  });
  afterAll(async () => {
    // Everything this suite wrote: its own keys and the repos' (with and without the test's keyPrefix).
    for (const match of [`{${namespace}*`, `pfx:{${namespace}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await client.del(...keys);
      } while (cursor !== '0');
    }
    await client.quit();
  });

  it('replies as client.call / callBuffer does: EVALSHA with number arguments, HGETALL as Buffers, a flat array', async () => {
    const send = flatSender(client, Command)!;
    expect(send).toBeDefined();
    const source = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]); return {ARGV[2], tonumber(ARGV[3]) + 1, type(ARGV[3])}";
    const sha = String(await client.script('LOAD', source));
    const args: (string | number)[] = [sha, 1, key('h'), 'name', '"Ada"', 41];
    const viaCall = await client.call('evalsha', sha, 1, key('h'), 'name', '"Ada"', 41);
    const viaSend = await send('evalsha', args, 'utf8');
    expect(viaSend).toEqual(viaCall);
    expect(viaSend).toEqual(['"Ada"', 42, 'string']);
    expect(args[1]).toBe('1'); // the array became the command's, numbers as text
    const flat = await send('HGETALL', [key('h')], null);
    expect(flat).toEqual(await client.callBuffer('HGETALL', key('h')));
    expect(flat).toEqual([Buffer.from('name'), Buffer.from('"Ada"')]);
    expect(await send('HGETALL', [key('nothing')], null)).toEqual([]);
  });

  it('rejects with the same Redis error as client.call (a missing script: NOSCRIPT; a wrong type: WRONGTYPE)', async () => {
    const send = flatSender(client, Command)!;
    const missing = 'f'.repeat(40);
    const viaCall = await client.call('evalsha', missing, 0).catch((err: Error) => err);
    const viaSend = await send('evalsha', [missing, 0], 'utf8').catch((err: Error) => err);
    expect(viaSend).toBeInstanceOf(Error);
    expect((viaSend as Error).message).toBe((viaCall as Error).message);
    expect((viaSend as Error).message).toMatch(/^NOSCRIPT/);
    await client.set(key('s'), 'text');
    await expect(send('HGETALL', [key('s')], null)).rejects.toThrow(/^WRONGTYPE/);
  });

  it("keeps the client's commandTimeout", async () => {
    const slow = new Redis(redisUrl(), { lazyConnect: true, commandTimeout: 150 });
    await slow.connect();
    try {
      const send = flatSender(slow, Command)!;
      const started = Date.now();
      // BLPOP on an empty list answers after 2 s: the 150 ms command timeout comes first.
      await expect(send('blpop', [key('empty-list'), 2], 'utf8')).rejects.toThrow(/Command timed out/);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      slow.disconnect();
    }
  });

  it('is not used without the Command class, or when keyPrefix, enableAutoPipelining or showFriendlyErrorStack change what call sends', () => {
    expect(flatSender(client, undefined)).toBeUndefined();
    for (const options of [{ keyPrefix: 'app:' }, { enableAutoPipelining: true }, { showFriendlyErrorStack: true }]) {
      const other = new Redis(redisUrl(), { lazyConnect: true, ...options });
      expect(flatSender(other, Command)).toBeUndefined();
      other.disconnect();
    }
  });

  it('a repo that opens its own client sends with it; a repo on the caller\'s client does not', async () => {
    const own = await createRedisRepo({ name: 'own', namespace, redis: { url: redisUrl() } });
    const theirs = await createRedisRepo({ name: 'theirs', namespace, redis: { client } });
    try {
      // The sender is private (the repo's context): read it here only to see that the fast path is on where it should be.
      expect(typeof (own as unknown as { ctx: { send?: unknown } }).ctx.send).toBe('function');
      expect((theirs as unknown as { ctx: { send?: unknown } }).ctx.send).toBeUndefined();
    } finally {
      await own.close();
      await theirs.close();
    }
  });

  it("a repo on a client with a keyPrefix (raw ioredis options) stores under the prefix, as before", async () => {
    // The keyPrefix then applies to the scripts' KEYS, as it always did: the sender is not used.
    const repo = await createRedisRepo<{ id: string; n: number }>({ name: 'prefixed', namespace, redis: { url: redisUrl(), ioredis: { keyPrefix: 'pfx:' } } });
    try {
      await repo.create({ id: 'a', n: 1 });
      expect(await repo.retrieve('a')).toMatchObject({ id: 'a', n: 1 });
      expect(await client.exists(`pfx:${repo.layout.rec('a')}`)).toBe(1);
      expect(await client.exists(repo.layout.rec('a'))).toBe(0);
      expect(await repo.delete_('a')).toBe(true);
    } finally {
      await repo.close();
    }
  });
});
