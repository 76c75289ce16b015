// Channels for the contract and the integration suites: each test gets its own namespace, and
// cleanup deletes exactly the stream keys the suite created (never a SCAN, never a foreign key).
import { textCodec } from '@motifs/core';
import { channelStreamKey, encodeStreamEntry } from '@motifs/core/kit';
import { type ListenerContractChannel, uniqueNamespace } from '@motifs/test-suite';
import { Cluster, Redis } from 'ioredis';
import { type RedisListenerOptions, createRedisListener, createRedisPublisher } from '../src/index.js';

/** The connection part of `redis` options a suite runs against. */
export type Connection = Pick<RedisListenerOptions, 'url' | 'cluster' | 'sentinel' | 'client' | 'commandTimeoutMs'>;

/** A raw client for the same server (for checks and cleanup). */
export function rawClient(connection: Connection): Redis {
  if (connection.cluster) return new Cluster(connection.cluster.nodes as { host: string; port: number }[]) as unknown as Redis;
  if (connection.sentinel) return new Redis({ sentinels: connection.sentinel.sentinels as { host: string; port: number }[], name: connection.sentinel.name });
  return new Redis(connection.url ?? 'redis://127.0.0.1:6379');
}

/** Builds channels on one connection and remembers every stream key for {@link TestBed.cleanup}. */
export class TestBed {
  readonly keys = new Set<string>();
  private raw: Redis | undefined;

  constructor(readonly connection: Connection) {}

  client(): Redis {
    this.raw ??= rawClient(this.connection);
    return this.raw;
  }

  /** Remembers a channel's stream and dead-letter stream keys; returns the stream key. */
  track(namespace: string, channelId: string): string {
    this.keys.add(channelStreamKey(namespace, `${channelId}.dlq`));
    this.keys.add(channelStreamKey(namespace, channelId));
    return channelStreamKey(namespace, channelId);
  }

  /** A fresh channel in a fresh namespace, as the listener contract wants it. */
  channel(extra: Partial<RedisListenerOptions> = {}): ListenerContractChannel & { namespace: string; key: string } {
    const namespace = uniqueNamespace('lr');
    const channelId = 'orders';
    const key = this.track(namespace, channelId);
    const redis = { ...this.connection, namespace, ...extra };
    return {
      namespace,
      key,
      channelId,
      deadLetterChannelId: `${channelId}.dlq`,
      listener: (async (options = {}) =>
        createRedisListener({ channelId, redis: { ...redis, fromBeginning: true, groupId: options.groupId ?? uniqueNamespace('group'), ...options } })) as ListenerContractChannel['listener'],
      deadLetterListener: (async () =>
        createRedisListener({ channelId: `${channelId}.dlq`, redis: { ...redis, fromBeginning: true, codec: textCodec, groupId: 'dlq-reader' } })) as ListenerContractChannel['deadLetterListener'],
      publisher: async () => createRedisPublisher({ channelId, redis }),
      // Redis Streams have no pattern subscriptions: the contract checks the typed refusal.
      patternListener: (async (pattern: string) =>
        createRedisListener({ channelId: pattern, redis: { ...redis, groupId: uniqueNamespace('group') } })) as NonNullable<ListenerContractChannel['patternListener']>,
      publishRaw: async (value, options) => {
        await this.client().xadd(key, '*', ...encodeStreamEntry({ value, key: options?.key, headers: options?.headers }));
      },
    };
  }

  /** Deletes the keys this bed's channels used, one by one. */
  async cleanup(): Promise<void> {
    const client = this.client();
    try {
      for (const key of this.keys) await client.del(key);
    } finally {
      this.keys.clear();
      await client.quit().catch(() => client.disconnect());
      this.raw = undefined;
    }
  }
}
