// The cacher's options: the shared Redis table plus its own two, validated before anything opens.
import { describe, expect, it } from '@jest/globals';
import { MotifsErrorValidation } from '@motifs/core';
import { REDIS_DEFAULTS } from '@motifs/core/kit';
import type { RedisOptions } from 'ioredis';
import { createRedisCacher, normalizeRedisCacherOptions } from '../src/index.js';

const pathsOf = (redis: unknown): unknown => {
  try {
    normalizeRedisCacherOptions(redis as never);
  } catch (err) {
    expect(err).toBeInstanceOf(MotifsErrorValidation);
    return (err as MotifsErrorValidation).issues.map((i) => i.path.join('.'));
  }
  throw new Error('accepted');
};

describe('normalizeRedisCacherOptions', () => {
  it('applies the shared Redis defaults and the cacher\'s own', () => {
    expect(normalizeRedisCacherOptions(undefined)).toMatchObject({ ...REDIS_DEFAULTS, expiryEvents: false, scanCount: 1000, hashTagNamespace: false });
    expect(normalizeRedisCacherOptions({ cluster: { nodes: ['127.0.0.1:7101'] }, hashTagNamespace: true })).toMatchObject({ topology: 'cluster', hashTagNamespace: true, expiryEvents: false });
    expect(normalizeRedisCacherOptions({ expiryEvents: true, scanCount: 50, commandTimeoutMs: 10 })).toMatchObject({ expiryEvents: true, scanCount: 50, commandTimeoutMs: 10 });
  });

  it('pipelines by default; on a cluster the caller\'s enableAutoPipelining stands unless autoPipelining is given', () => {
    const nodes = ['127.0.0.1:7101'];
    expect(normalizeRedisCacherOptions(undefined).autoPipelining).toBe(true);
    expect(normalizeRedisCacherOptions({ autoPipelining: false }).autoPipelining).toBe(false);
    expect(normalizeRedisCacherOptions({ cluster: { nodes } }).autoPipelining).toBe(true);
    expect(normalizeRedisCacherOptions({ cluster: { nodes, clusterOptions: { enableAutoPipelining: false } } }).autoPipelining).toBe(false);
    expect(normalizeRedisCacherOptions({ cluster: { nodes, clusterOptions: { enableAutoPipelining: false } }, autoPipelining: true }).autoPipelining).toBe(true);
  });

  it.each([
    ['expiryEvents that is not a boolean', { expiryEvents: 'yes' }, ['redis.expiryEvents']],
    ['a zero scanCount', { scanCount: 0 }, ['redis.scanCount']],
    ['a fractional scanCount', { scanCount: 2.5 }, ['redis.scanCount']],
    ['shared and cacher problems together', { db: -1, scanCount: -1 }, ['redis.db', 'redis.scanCount']],
    ['options that are not an object', 42, ['redis']],
    ['expiryEvents on a Redis Cluster (keyspace notifications are per node)', { cluster: { nodes: ['127.0.0.1:7101'] }, expiryEvents: true }, ['redis.expiryEvents']],
    ['hashTagNamespace that is not a boolean', { hashTagNamespace: 1 }, ['redis.hashTagNamespace']],
    ['autoPipelining that is not a boolean', { autoPipelining: 'on' }, ['redis.autoPipelining']],
  ])('rejects %s with every path', (_label, redis, paths) => {
    expect(pathsOf(redis)).toEqual(paths);
  });
});

describe('createRedisCacher', () => {
  it('rejects bad options before opening anything', async () => {
    await expect(createRedisCacher({ redis: { commandTimeoutMs: -5 } })).rejects.toBeInstanceOf(MotifsErrorValidation);
    await expect(createRedisCacher({ redis: { sentinel: { name: 'mymaster' } } as never })).rejects.toBeInstanceOf(MotifsErrorValidation);
  });

  it('opens its connection like every Redis motif: started at once but not awaited, no offline queue, no retry or resend of a sent call', async () => {
    // Nothing listens on port 1; creating still resolves, as nothing waits for the connection.
    const cacher = await createRedisCacher({ namespace: 'opts', redis: { url: 'redis://127.0.0.1:1', username: 'u', password: 'p', db: 3, ioredis: { connectionName: 'mine' } } });
    try {
      const options = cacher.client.options as RedisOptions;
      expect(cacher.client.status).not.toBe('wait');
      expect(options).toMatchObject({
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        commandTimeout: REDIS_DEFAULTS.commandTimeoutMs,
        connectTimeout: REDIS_DEFAULTS.connectTimeoutMs,
        username: 'u',
        password: 'p',
        db: 3,
        connectionName: 'mine',
      });
      for (const attempt of [1, 10, 100]) expect(options.retryStrategy!(attempt)).toBeLessThanOrEqual(REDIS_DEFAULTS.reconnectMaxDelayMs);
    } finally {
      await cacher.close();
    }
    expect(cacher.client.status).toBe('end');
  });
});
