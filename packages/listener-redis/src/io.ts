import {
  MotifsErrorTimeout,
  type MotifsError,
  type NormalizedRedisOptions,
  type RedisTopology,
  type RedisWriteFailure,
  mapRedisError,
  mapRedisWriteError,
  openRedisClient,
  redisClusterRedirect,
  waitForRedisReady,
  within,
} from '@motifs/core/kit';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** Normalized `redis` options of a listener or publisher. */
export type ChannelConnectionSettings = NormalizedRedisOptions<Redis | Cluster, RedisOptions, Partial<ClusterOptions>>;

/**
 * Opens the connection of a listener or publisher: the caller's `client` as is, or one motifs
 * opens. Concurrent calls are pipelined on the wire by the client (it sends without waiting for
 * earlier answers); ioredis auto-pipelining is left off: measured slower for publish and acks.
 */
export async function openChannelClient(settings: ChannelConnectionSettings): Promise<RedisIo> {
  const { client, owned } = await openRedisClient<Redis | Cluster>(settings, () => import('ioredis'));
  return new RedisIo(client, owned, settings.commandTimeoutMs, settings.topology);
}

/**
 * Every round trip of a channel goes through {@link RedisIo.run}: after the connection is ready,
 * bounded by the command timeout, failures mapped to motifs errors (a write whose answer was lost
 * is `outcomeUnknown`).
 */
export class RedisIo {
  /** The client's commands (a `Cluster` has the same command API and routes by key slot). */
  readonly client: Redis;

  constructor(
    client: Redis | Cluster,
    /** Whether motifs opened the client (and so closes it). */
    readonly owned: boolean,
    readonly timeoutMs: number,
    readonly topology: RedisTopology,
  ) {
    this.client = client as Redis;
  }

  /** Runs one call; `write` marks a write whose lost answer leaves its outcome unknown. */
  async run<R>(what: string, call: () => Promise<R>, write?: RedisWriteFailure): Promise<R> {
    const started = Date.now();
    if (this.owned) {
      // Checked before awaiting: a ready connection (the common case) costs no extra turn.
      if (this.client.status !== 'ready') await waitForRedisReady(this.client, { timeoutMs: this.timeoutMs, what });
      // A single-node or Sentinel client motifs opened times each call out itself (ioredis
      // commandTimeout); a cluster client or a caller's client gets the timer below.
      if (this.topology !== 'cluster') {
        try {
          return await call();
        } catch (err) {
          throw this.fail(err, what, write);
        }
      }
    }
    const left = Math.max(1, this.timeoutMs - (Date.now() - started));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MotifsErrorTimeout(`redis did not answer ${what} within ${this.timeoutMs} ms`, {
        details: { what, ...write?.details },
        ...(write && { outcomeUnknown: true, retryable: write.idempotent }),
      })), left);
      timer.unref?.();
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (err) {
      throw this.fail(err, what, write);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The motifs error of a failed call (on a Cluster, a redirection that reached us is retryable). */
  fail(err: unknown, what: string, write?: RedisWriteFailure): MotifsError {
    return (this.topology === 'cluster' && redisClusterRedirect(err, what)) || (write ? mapRedisWriteError(err, what, write) : mapRedisError(err, what));
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
