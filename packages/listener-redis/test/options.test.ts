import { describe, expect, it } from '@jest/globals';
import { isMotifsError } from '@motifs/core';
import { REDIS_LISTENER_DEFAULTS, TRIM_DEFAULTS, createRedisListener, createRedisPublisher, offsetToStreamId, readOptions, streamIdToOffset } from '../src/index.js';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
};

const validation = (fn: () => unknown): { message: string; issues: { path: (string | number)[] }[] } => {
  const err = thrown(fn);
  expect(isMotifsError(err, 'MOTIFS_VALIDATION')).toBe(true);
  return err as { message: string; issues: { path: (string | number)[] }[] };
};

describe('listener-redis options', () => {
  it('applies the documented defaults', () => {
    const o = readOptions({ channelId: 'orders' });
    expect(o).toMatchObject({
      namespace: 'motifs',
      deadLetterChannelId: 'orders.dlq',
      mode: 'group',
      concurrency: REDIS_LISTENER_DEFAULTS.concurrency,
      batchSize: 16,
      claimIdleMs: 30_000,
      maxDeliveries: 5,
      deleteConsumerOnClose: true,
      trim: { maxLen: 1_000_000, maxAgeMs: 7 * 24 * 3600_000, trimUnread: false },
    });
    expect(o.connection).toMatchObject({ topology: 'single', url: 'redis://127.0.0.1:6379', commandTimeoutMs: 2000 });
    expect(TRIM_DEFAULTS).toEqual({ maxLen: 1_000_000, maxAgeMs: 604_800_000, trimUnread: false });
  });

  it('rejects pattern channel ids with a typed error naming the limitation', () => {
    for (const channelId of ['orders.*', 'orders.?', 'orders.[ab]']) {
      const err = validation(() => createRedisListener({ channelId }));
      expect(err.message).toContain('does not support pattern subscriptions');
      expect((err as unknown as { details: unknown }).details).toMatchObject({ kind: 'redis', reason: 'pattern-unsupported', channelId });
      expect(err.issues[0]!.path).toEqual(['channelId']);
      validation(() => createRedisPublisher({ channelId }));
    }
  });

  it('takes a stable consumer name, and refuses a bad one', () => {
    expect(readOptions({ channelId: 'orders' }).consumer).toBeUndefined();
    expect(readOptions({ channelId: 'orders', redis: { consumer: 'pod-7.eu:1' } }).consumer).toBe('pod-7.eu:1');
    expect(createRedisListener({ channelId: 'orders', redis: { consumer: 'pod-7' } }).consumerName).toBe('pod-7');
    for (const consumer of ['', 'a b', 'x'.repeat(201), 7]) {
      const err = validation(() => createRedisListener({ channelId: 'orders', redis: { consumer } as never }));
      expect(err.issues[0]!.path).toEqual(['redis', 'consumer']);
    }
  });

  it('rejects channel ids Redis channels do not accept', () => {
    for (const channelId of ['', '.orders', 'a:b', 'a b', 'x'.repeat(250), 42, undefined]) {
      validation(() => createRedisListener({ channelId } as never));
    }
  });

  it.each([
    [{ namespace: '' }, 'redis.namespace'],
    [{ namespace: 'a{b' }, 'redis.namespace'],
    [{ namespace: 'a}' }, 'redis.namespace'],
    [{ mode: 'fanout' }, 'redis.mode'],
    [{ concurrency: 0 }, 'redis.concurrency'],
    [{ concurrency: 1.5 }, 'redis.concurrency'],
    [{ batchSize: 0 }, 'redis.batchSize'],
    [{ claimIdleMs: 0 }, 'redis.claimIdleMs'],
    [{ claimIdleMs: '5' }, 'redis.claimIdleMs'],
    [{ maxDeliveries: 0 }, 'redis.maxDeliveries'],
    [{ deadLetterChannel: 'other.dlq' }, 'redis.deadLetterChannel'],
    [{ deadLetterChannel: 'orders' }, 'redis.deadLetterChannel'],
    [{ deadLetterChannel: 'orders:dlq' }, 'redis.deadLetterChannel'],
    [{ deleteConsumerOnClose: 'yes' }, 'redis.deleteConsumerOnClose'],
    [{ trim: 5 }, 'redis.trim'],
    [{ trim: { maxLen: 0 } }, 'redis.trim.maxLen'],
    [{ trim: { maxAgeMs: -1 } }, 'redis.trim.maxAgeMs'],
    [{ trim: { trimUnread: 1 } }, 'redis.trim.trimUnread'],
    [{ trim: { maxlen: 5 } }, 'redis.trim.maxlen'],
    [{ commandTimeoutMs: 0 }, 'redis'],
    [{ url: 'http://x' }, 'redis'],
    [{ url: 'redis://a', cluster: { nodes: ['a:1'] } }, 'redis'],
    [{ retry: { attempts: 0 } }, 'redis.retry'],
  ])('rejects %j (%s) before opening anything', (redis, path) => {
    const err = validation(() => createRedisListener({ channelId: 'orders', redis } as never));
    expect(err.issues[0]!.path.join('.')).toContain(path.split('.').slice(0, 2).join('.'));
    validation(() => createRedisPublisher({ channelId: 'orders', redis } as never));
  });

  it('accepts a dead-letter channel of the same segment, and trim limits turned off', () => {
    const o = readOptions({ channelId: 'orders.eu', redis: { deadLetterChannel: 'orders.failed', trim: { maxLen: false, maxAgeMs: false, trimUnread: true } } });
    expect(o.deadLetterChannelId).toBe('orders.failed');
    expect(o.trim).toEqual({ maxLen: 0, maxAgeMs: 0, trimUnread: true });
  });

  it('builds listener and publisher without connecting, and names the stream by the pinned layout', async () => {
    const listener = createRedisListener({ channelId: 'contacts.changes', redis: { namespace: 'app', url: 'redis://127.0.0.1:1' } });
    expect(listener.streamKey).toBe('{app:contacts}:ch:contacts.changes');
    expect(listener.deadLetterKey).toBe('{app:contacts}:ch:contacts.changes.dlq');
    expect(listener.consumerName).toMatch(/^.+-\d+-[0-9a-f]{8}$/);
    expect(createRedisListener({ channelId: 'contacts.changes' }).consumerName).not.toBe(listener.consumerName);
    const publisher = createRedisPublisher({ channelId: 'contacts.changes', redis: { namespace: 'app', url: 'redis://127.0.0.1:1' } });
    expect(publisher.streamKey).toBe(listener.streamKey);
    await listener.close();
    await publisher.close();
  });
});

describe('stream id <-> offset', () => {
  it('round-trips and keeps the order of ids', () => {
    const ids = ['0-0', '0-1', '1-0', '1700000000000-0', '1700000000000-1', '1700000000000-18446744073709551615', '1700000000001-0'];
    const offsets = ids.map(streamIdToOffset);
    expect(offsets.map(offsetToStreamId)).toEqual(ids);
    const big = offsets.map((o) => BigInt(o));
    expect(big.every((o, i) => i === 0 || o > big[i - 1]!)).toBe(true);
  });

  it('rejects what is not an offset', () => {
    for (const bad of ['', '-1', '1-2', 'abc', '1'.repeat(41)]) validation(() => offsetToStreamId(bad));
  });
});
