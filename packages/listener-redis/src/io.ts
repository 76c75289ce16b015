import { type NormalizedRedisOptions, RedisCommandIo, type RedisTopology, openRedisClient, within } from '@motifs/core/kit';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** Normalized `redis` options of a listener or publisher. */
export type ChannelConnectionSettings = NormalizedRedisOptions<Redis | Cluster, RedisOptions, Partial<ClusterOptions>>;

/**
 * Opens the connection of a listener or publisher: the caller's `client` as is, or one motifs
 * opens. Concurrent calls are pipelined on the wire by the client (it sends without waiting for
 * earlier answers), and with `redis.autoPipelining` (default) the calls of one tick (publishes,
 * acks) leave in one socket write (core's `TickCork`). ioredis' own `enableAutoPipelining` stays
 * off: measured slower for publish and acks.
 */
export async function openChannelClient(settings: ChannelConnectionSettings): Promise<RedisIo> {
  const { client, owned } = await openRedisClient<Redis | Cluster>(settings, () => import('ioredis'));
  return new RedisIo(client, owned, settings.commandTimeoutMs, settings.topology, settings.autoPipelining);
}

/**
 * Every round trip of a channel goes through {@link RedisIo.run} (core's `RedisCommandIo`): after
 * the connection is ready, bounded by the command timeout, failures mapped to motifs errors (a
 * write whose answer was lost is `outcomeUnknown`).
 */
export class RedisIo extends RedisCommandIo<Redis> {
  constructor(client: Redis | Cluster, owned: boolean, timeoutMs: number, topology: RedisTopology, autoPipelining = false) {
    // A `Cluster` has the same command API and routes by key slot.
    super(client as Redis, owned, timeoutMs, topology, autoPipelining);
  }

  /**
   * A dedicated connection for blocking reads (XREADGROUP / XREAD BLOCK), so a read that waits
   * never delays acks and dead letters. Its command timeout covers the block time; disconnecting
   * it interrupts a read at once. It is always motifs' own, also for a caller's client.
   */
  duplicateForBlocking(blockMs: number): Redis {
    const commandTimeout = blockMs + this.timeoutMs;
    let dup: Redis | Cluster;
    if (this.topology === 'cluster') {
      const cluster = this.client as unknown as Cluster;
      dup = cluster.duplicate([], { redisOptions: { ...cluster.options.redisOptions, commandTimeout }, enableAutoPipelining: false, lazyConnect: true });
    } else {
      dup = this.client.duplicate({ commandTimeout, enableAutoPipelining: false, lazyConnect: true });
    }
    dup.on('error', () => undefined);
    dup.connect().catch(() => undefined);
    return dup as Redis;
  }

  /**
   * Closes a client motifs opened (QUIT when connected, else drop) and waits (bounded) until its
   * sockets are gone, so nothing of it keeps the process alive; leaves a caller's one open.
   */
  async close(): Promise<void> {
    if (!this.owned) return;
    const client = this.client;
    const ended = client.status === 'end' ? undefined : new Promise<void>((resolve) => client.once('end', () => resolve()));
    if (client.status === 'ready') {
      await this.run('close', () => client.quit()).catch(() => client.disconnect());
    } else {
      client.disconnect();
    }
    if (ended) await within(ended, this.timeoutMs);
  }
}
