// Redis killed -9 and restarted from its append-only file while a listener consumes and a
// publisher publishes, on a redis-server of our own (the shared one is never touched). Every
// message whose publish() resolved must reach the handler, with no user action in between;
// duplicates are allowed (at-least-once) and counted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMotifsError } from '@motifs/core';
import { channelStreamKey } from '@motifs/core/kit';
import { describeWithService, eventually, uniqueNamespace } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';
import { createListener, createPublisher } from '../src/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeWithService({ describe, it }, 'redis', 'listener-redis when Redis is killed and restarted (own redis-server, AOF)', () => {
  let port: number;
  let dir: string;
  let server: ChildProcess;
  const open: { close(): Promise<void> }[] = [];
  const aof = () => ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'motifs-listener-redis-aof-'));
    server = await startRedis(port, aof());
  }, 30_000);

  afterAll(async () => {
    await Promise.all(open.splice(0).map((r) => r.close().catch(() => undefined)));
    await stopRedis(server);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('nothing acknowledged is lost across a kill -9 and restart; the listener recovers by itself', async () => {
    const url = `redis://127.0.0.1:${port}`;
    const namespace = uniqueNamespace('restart');
    const channelId = 'events';
    const groupId = 'restart-group';
    const redis = { url, namespace, commandTimeoutMs: 1000 };
    const listener = createListener<{ n: number }>({ channelId, redis: { ...redis, groupId, fromBeginning: true, claimIdleMs: 1000 } });
    open.push(listener);
    const received = new Map<number, number>();
    const errors: string[] = [];
    const events: string[] = [];
    listener.onError(async (err) => {
      errors.push(isMotifsError(err) ? err.code : `untyped: ${String(err)}`);
    });
    for (const name of ['unavailable', 'recovered'] as const) {
      listener.em.on(name, () => {
        events.push(name);
      });
    }
    listener.onMessage(async (msg) => {
      received.set(msg.n, (received.get(msg.n) ?? 0) + 1);
    });
    await listener.listen();
    const publisher = createPublisher<{ n: number }>({ channelId, redis });
    open.push(publisher);

    // Publish in the background; after a failed publish the loop goes on with the next number, so
    // `acked` is exactly what Redis confirmed (a failed one may be in the stream too: not counted).
    const acked = new Set<number>();
    const rejected: Record<string, number> = {};
    /** Publishes rejected with an error that says nothing was written (not `outcomeUnknown`). */
    const notWritten = new Set<number>();
    let stop = false;
    let next = 0;
    // Eight publishers at once, so several writes are in flight when the server dies.
    const producing = Promise.all(Array.from({ length: 8 }, async () => {
      while (!stop) {
        const n = next++;
        try {
          await publisher.publish({ n }, { key: `k${n % 10}` });
          acked.add(n);
        } catch (err) {
          const e = err as { code?: string; retryable?: boolean; outcomeUnknown?: boolean };
          const label = !isMotifsError(err) ? `untyped: ${String(err)}` : e.outcomeUnknown ? `${e.code} outcomeUnknown` : e.retryable ? `${e.code} retryable` : `not retryable: ${String(err)}`;
          rejected[label] = (rejected[label] ?? 0) + 1;
          if (!e.outcomeUnknown) notWritten.add(n);
          await sleep(100);
        }
        if (n % 20 === 0) await sleep(5);
      }
    }));

    try {
      await eventually(() => received.size >= 500, { timeoutMs: 30_000, what: '500 messages before the kill' });
      await stopRedis(server); // SIGKILL: only what the AOF (fsync always) holds survives
      const ackedBeforeRestart = acked.size;
      await sleep(1500);
      server = await startRedis(port, aof());
      await eventually(() => acked.size >= ackedBeforeRestart + 500, { timeoutMs: 60_000, what: '500 more messages published after the restart' });
    } finally {
      stop = true;
      await producing;
    }
    await eventually(() => [...acked].every((n) => received.has(n)), { timeoutMs: 60_000, what: 'every acknowledged message to be received' });
    const raw = new Redis(url);
    try {
      await eventually(async () => ((await raw.xpending(channelStreamKey(namespace, channelId), groupId)) as [number])[0] === 0, { timeoutMs: 30_000, what: 'nothing left pending' });
    } finally {
      raw.disconnect();
    }
    const duplicates = [...received.values()].filter((c) => c > 1).length;
    process.stdout.write(`[restart] acked ${acked.size}, received ${received.size} (${duplicates} more than once; ${[...received.keys()].filter((n) => !acked.has(n)).length} of rejected publishes), rejected publishes ${JSON.stringify(rejected)}, listener errors ${JSON.stringify([...new Set(errors)])}, events ${JSON.stringify(events)}\n`);

    expect([...acked].filter((n) => !received.has(n))).toEqual([]);
    expect(Object.keys(rejected).filter((k) => k.startsWith('not retryable') || k.startsWith('untyped'))).toEqual([]);
    // A rejection without outcomeUnknown promises the message was not written: it must never arrive.
    expect([...notWritten].filter((n) => received.has(n))).toEqual([]);
    expect(errors.filter((c) => c.startsWith('untyped'))).toEqual([]);
    // The outage was seen and the end of it too, with no help from the test.
    expect(events).toContain('unavailable');
    expect(events.at(-1)).toBe('recovered');
  }, 240_000);

  it('a Redis that comes back empty (no persistence): the listener creates its group again and later messages flow, with no user action', async () => {
    const emptyPort = await freePort();
    let empty = await startRedis(emptyPort);
    try {
      const url = `redis://127.0.0.1:${emptyPort}`;
      const redis = { url, namespace: uniqueNamespace('empty'), commandTimeoutMs: 1000 };
      const listener = createListener<{ n: number }>({ channelId: 'events', redis: { ...redis, groupId: 'g', claimIdleMs: 1000 } });
      open.push(listener);
      const received: number[] = [];
      const errors: string[] = [];
      listener.onError(async (err) => {
        errors.push(isMotifsError(err) ? err.code : `untyped: ${String(err)}`);
      });
      listener.onMessage(async (msg) => {
        received.push(msg.n);
      });
      await listener.listen();
      const publisher = createPublisher<{ n: number }>({ channelId: 'events', redis });
      open.push(publisher);
      await publisher.publish({ n: 1 });
      await eventually(() => received.includes(1), { timeoutMs: 10_000, what: 'the first message' });
      await stopRedis(empty);
      await sleep(500);
      empty = await startRedis(emptyPort);
      // The stream and its group are gone; the first publish that works creates the stream again.
      let n = 2;
      await eventually(async () => {
        await publisher.publish({ n: n++ }).catch(() => undefined);
        return received.some((r) => r >= 2);
      }, { timeoutMs: 30_000, what: 'a message published after the restart' });
      const after = n;
      for (let m = after; m < after + 20; m++) await publisher.publish({ n: m });
      await eventually(() => received.filter((r) => r >= after).length === 20, { timeoutMs: 30_000, what: '20 more messages' });
      expect(received.filter((r) => r >= after)).toEqual(Array.from({ length: 20 }, (_, i) => after + i));
      expect(errors.filter((c) => c.startsWith('untyped'))).toEqual([]);
    } finally {
      await Promise.all(open.splice(0).map((r) => r.close().catch(() => undefined)));
      await stopRedis(empty);
    }
  }, 120_000);
});
