// Redis going away, hanging and coming back, on a redis-server of our own (the shared one is left alone).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { MotifsErrorTimeout, MotifsErrorUnavailable, isMotifsError } from '@motifs/core';
import { decodeStoredText } from '@motifs/core/kit';
import { describeWithService } from '@motifs/test-suite';
import { createRedisCacher, type RedisCacher } from '../src/index.js';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeWithService({ describe, it }, 'redis', 'redis cacher when Redis fails', () => {
  let port: number;
  let server: ChildProcess;
  let cacher: RedisCacher;

  beforeAll(async () => {
    port = await freePort();
    server = await startRedis(port);
    cacher = await createRedisCacher({ namespace: 'outage', redis: { url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300, reconnectMaxDelayMs: 100 } });
  }, 30_000);
  afterAll(async () => {
    await cacher.close();
    await stopRedis(server);
  });

  it('answers while Redis is up (the first call waits for the connection)', async () => {
    expect(await cacher.setItem('k', { v: 1 }, 60_000)).toBe(true);
    expect(await cacher.getItem('k')).toEqual({ v: 1 });
  });

  it('a frozen Redis makes calls reject with MotifsErrorTimeout', async () => {
    server.kill('SIGSTOP');
    try {
      const err = await cacher.getItem('k').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MotifsErrorTimeout);
      expect((err as MotifsErrorTimeout).retryable).toBe(true);
    } finally {
      server.kill('SIGCONT');
    }
    await eventually(async () => (await cacher.getItem('k')) !== undefined, 'answers again after SIGCONT');
  }, 30_000);

  it('a write whose reply a frozen Redis withholds is outcome-unknown but retryable (idempotent); a read is not outcome-unknown', async () => {
    server.kill('SIGSTOP');
    let write: unknown;
    let remove: unknown;
    let read: unknown;
    try {
      [write, remove, read] = await Promise.all([cacher.setItem('w', 1, 60_000), cacher.delItem('gone'), cacher.getItem('k')].map((p) => p.catch((e: unknown) => e)));
    } finally {
      server.kill('SIGCONT');
    }
    const flags = (e: unknown): unknown => isMotifsError(e) && [e.code, e.retryable, e.outcomeUnknown];
    expect([flags(write), flags(remove), flags(read)]).toEqual([
      ['MOTIFS_TIMEOUT', true, true],
      ['MOTIFS_TIMEOUT', true, true],
      ['MOTIFS_TIMEOUT', true, false],
    ]);
    // The write did land once Redis woke up; writing again is harmless.
    await eventually(async () => (await cacher.getItem('w')) === 1, 'the frozen write landed');
    expect(await cacher.setItem('w', 1, 60_000)).toBe(true);
  }, 30_000);

  it('a dead Redis makes every call settle with MotifsErrorUnavailable, and getOrSet falls back to the loader', async () => {
    await stopRedis(server);
    const settle = (call: Promise<unknown>): Promise<unknown> => call.then(() => 'resolved', (e: unknown) => e);
    const calls: [string, Promise<unknown>][] = [
      ['getItem', settle(cacher.getItem('k'))],
      ['setItem', settle(cacher.setItem('k', 2, 1000))],
      ['hasItem', settle(cacher.hasItem('k'))],
      ['delItem', settle(cacher.delItem('k'))],
      ['getItemsLike', settle(cacher.getItemsLike(''))],
      ['getKeys', settle(cacher.getKeys('*'))],
      ['delItemsLike', settle(cacher.delItemsLike(''))],
    ];
    for (const [name, call] of calls) {
      const outcome = await call;
      expect({ name, unavailable: isMotifsError(outcome, 'MOTIFS_UNAVAILABLE') }).toEqual({ name, unavailable: true });
    }
    // Many calls in a row do not pile up anywhere: each one settles on its own.
    const burst = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => cacher.getItem(`burst/${i}`)));
    expect(burst.every((r) => r.status === 'rejected' && r.reason instanceof MotifsErrorUnavailable)).toBe(true);
    // Once the cacher knows Redis is down, a write is refused before being sent: nothing changed.
    // (A write racing the kill itself may have been sent, and is then rightly outcome-unknown.)
    const refused = await cacher.setItem('k', 3, 1000).catch((e: unknown) => e);
    expect(isMotifsError(refused, 'MOTIFS_UNAVAILABLE') && [refused.retryable, refused.outcomeUnknown]).toEqual([true, false]);
    let loads = 0;
    expect(await cacher.getOrSet('fallback', () => ++loads, { expiryMs: 60_000 })).toBe(1);
  }, 30_000);

  it('recovers by itself when Redis comes back', async () => {
    server = await startRedis(port);
    await eventually(async () => (await cacher.setItem('back', 'yes', 60_000)) === true, 'writes work again');
    expect(await cacher.getItem('back')).toBe('yes');
  }, 30_000);

  it('recovers soon after Redis restarts, with default options', async () => {
    const fresh = await createRedisCacher({ namespace: 'recovery', redis: { url: `redis://127.0.0.1:${port}` } });
    try {
      expect(await fresh.setItem('k', 1, 60_000)).toBe(true);
      await stopRedis(server);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      server = await startRedis(port);
      const restarted = Date.now();
      await eventually(async () => (await fresh.setItem('k', 2, 60_000)) === true, 'writes work again', 20_000);
      const recoveryMs = Date.now() - restarted;
      process.stdout.write(`cacher-redis: first success ${recoveryMs} ms after the restart (4 s outage, default options)\n`);
      // The default reconnect delay is at most 1000 ms; generous for a loaded machine.
      expect(recoveryMs).toBeLessThan(3000);
    } finally {
      await fresh.close();
    }
  }, 40_000);

  it('an injected client without a commandTimeout is still bounded', async () => {
    const client = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1 });
    const injected = await createRedisCacher({ namespace: 'injected', redis: { client, commandTimeoutMs: 300 } });
    try {
      expect(await injected.setItem('k', 1, 60_000)).toBe(true);
      server.kill('SIGSTOP');
      try {
        await expect(injected.getItem('k')).rejects.toBeInstanceOf(MotifsErrorTimeout);
      } finally {
        server.kill('SIGCONT');
      }
      await injected.close();
      expect(client.status).toBe('ready');
      expect(decodeStoredText((await client.get('motifs:cache:injected:k'))!)).toBe(1);
    } finally {
      await injected.close();
      client.disconnect();
    }
  }, 30_000);
});

describe('redis cacher with no Redis at all', () => {
  it('calls settle with MotifsErrorUnavailable and close() returns', async () => {
    const port = await freePort(); // nothing listens there
    const cacher = await createRedisCacher({ redis: { url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300, reconnectMaxDelayMs: 50 } });
    const outcomes = await Promise.all([cacher.getItem('k'), cacher.setItem('k', 1, 1000), cacher.getKeys('*')].map((p) => p.catch((e: unknown) => e)));
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(MotifsErrorUnavailable);
    await cacher.close();
    expect(cacher.client.status).toBe('end');
  }, 30_000);
});

describeWithService({ describe, it }, 'redis', 'redis cacher credentials', () => {
  let port: number;
  let server: ChildProcess;

  beforeAll(async () => {
    port = await freePort();
    server = await startRedis(port, ['--requirepass', 'root-secret']);
    const admin = new Redis({ port, host: '127.0.0.1', password: 'root-secret' });
    await admin.call('ACL', 'SETUSER', 'app', 'on', '>app-secret', '~motifs:cache:app:*', '+@all');
    await admin.quit();
  }, 30_000);
  afterAll(async () => {
    await stopRedis(server);
  });

  it('passes an ACL user name and password through', async () => {
    const cacher = await createRedisCacher({ namespace: 'app', redis: { url: `redis://127.0.0.1:${port}`, username: 'app', password: 'app-secret' } });
    try {
      expect(await cacher.setItem('k', 'v', 60_000)).toBe(true);
      expect(await cacher.getItem('k')).toBe('v');
    } finally {
      await cacher.close();
    }
  });

  it('a wrong password gives a non-retryable MotifsErrorUnavailable instead of hanging', async () => {
    const cacher = await createRedisCacher({ namespace: 'app', redis: { url: `redis://127.0.0.1:${port}`, username: 'app', password: 'wrong', commandTimeoutMs: 500 } });
    try {
      await eventually(async () => {
        const err = await cacher.getItem('k').catch((e: unknown) => e);
        return isMotifsError(err, 'MOTIFS_UNAVAILABLE') && err.retryable === false && err.details.reply === 'WRONGPASS';
      }, 'the refusal is reported');
    } finally {
      await cacher.close();
    }
  });

  it('a key outside the user\'s ACL key pattern is refused with a typed error', async () => {
    const cacher = await createRedisCacher({ namespace: 'other', redis: { url: `redis://127.0.0.1:${port}`, username: 'app', password: 'app-secret' } });
    try {
      const err = await cacher.setItem('k', 'v', 60_000).catch((e: unknown) => e);
      expect(isMotifsError(err, 'MOTIFS_UNAVAILABLE') && err.details.reply).toBe('NOPERM');
    } finally {
      await cacher.close();
    }
  });
});
