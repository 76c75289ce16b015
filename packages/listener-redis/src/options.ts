import type { ListenerCommonOptions } from '@motifs/core';
import {
  DEFAULT_CHANNEL_NAMESPACE,
  invalidOption,
  type NormalizedRedisOptions,
  type RedisConnectionOptions,
  assertRedisChannelId,
  channelHashTag,
  defaultDeadLetterChannel,
  describeType,
  isChannelPattern,
  normalizeRedisOptions,
  patternUnsupported,
} from '@motifs/core/kit';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { type RedisTrimOptions, type ResolvedTrimPolicy, resolveTrimPolicy } from './trim-policy.js';

/** How a listener reads its channel: one consumer group shares the work, or every instance sees everything. */
export type RedisListenerMode = 'group' | 'broadcast';

/**
 * Options under the `redis` key of `makeListener` / `makePublisher({ kind: 'redis', ... })`: the
 * listener options every kind takes (`groupId`, `retry`, `closeTimeoutMs`, ...), the connection
 * options every Redis motif takes (`url` | `cluster` | `sentinel` | `client`, `commandTimeoutMs`,
 * ...; see `docs/redis-options.md`), and the Redis Streams settings below.
 */
export interface RedisListenerOptions<T = unknown>
  extends ListenerCommonOptions<T>,
    RedisConnectionOptions<Redis | Cluster, RedisOptions, Partial<ClusterOptions>> {
  /** Key namespace, checked like a repo's (no braces). Default `motifs`, so a repo's change feed and its listener meet. */
  namespace?: string;
  /**
   * `group` (default): a consumer group (`groupId`) shares the stream, at-least-once, acked after
   * the handlers. `broadcast`: every listener instance sees every message published while it
   * listens (no group, no acks, at-most-once).
   */
  mode?: RedisListenerMode;
  /** Messages one listener handles at once (default 1: stream order within this listener). */
  concurrency?: number;
  /**
   * Entries one read fetches (default 16). They are handed to the handlers `concurrency` at a time;
   * the rest wait in this listener (pending for the group), and `close()` hands them back.
   */
  batchSize?: number;
  /** A pending entry idle this long (its consumer died or was closed) is claimed by another consumer, in ms (default 30000). */
  claimIdleMs?: number;
  /** A claimed entry already delivered more often than this is dead-lettered instead of handled again (default 5). */
  maxDeliveries?: number;
  /** Dead-letter channel (default `<channelId>.dlq`); must start with the same segment as `channelId` (same hash tag). */
  deadLetterChannel?: string;
  /** Publisher: how the stream is trimmed (see {@link RedisTrimOptions}). */
  trim?: RedisTrimOptions;
  /**
   * Listener: this instance's consumer name in the group (default `<hostname>-<pid>-<random>`).
   * Give each instance a stable one (a pod name, say) and a restarted process first handles what it
   * had read and not acknowledged before it crashed, then new entries: the stream's order survives a
   * crash of a single consumer. Two live instances must never share a name.
   */
  consumer?: string;
  /** Listener: on close, remove this consumer from the group when it holds no pending entry (default true). */
  deleteConsumerOnClose?: boolean;
}

/** The options object `makeListener({ kind: 'redis', ... })` passes to {@link createListener}. */
export interface RedisMotifOptions<T = unknown> {
  channelId: string;
  kind?: string;
  redis?: RedisListenerOptions<T>;
}

declare module '@motifs/core' {
  interface ListenerKinds {
    redis: RedisListenerOptions;
  }
}

/** Defaults of the Redis Streams settings (documented in the README). */
export const REDIS_LISTENER_DEFAULTS = Object.freeze({
  mode: 'group' as RedisListenerMode,
  concurrency: 1,
  batchSize: 16,
  claimIdleMs: 30_000,
  maxDeliveries: 5,
  deleteConsumerOnClose: true,
});

/** {@link RedisListenerOptions} checked, with defaults applied. */
export interface ResolvedRedisChannelOptions<T> {
  channelId: string;
  namespace: string;
  deadLetterChannelId: string;
  redis: RedisListenerOptions<T>;
  connection: NormalizedRedisOptions<Redis | Cluster, RedisOptions, Partial<ClusterOptions>>;
  mode: RedisListenerMode;
  concurrency: number;
  batchSize: number;
  claimIdleMs: number;
  maxDeliveries: number;
  deleteConsumerOnClose: boolean;
  trim: ResolvedTrimPolicy;
  /** The `consumer` option, when given. */
  consumer: string | undefined;
}

function intIn(value: unknown, path: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw invalidOption(path, `must be an integer from ${min} to ${max}`);
  return value;
}

/**
 * Checks the top-level shape, the channel ids, the Redis Streams settings and the connection
 * options, before anything is opened.
 * @throws MotifsErrorValidation for any bad option, and for a pattern `channelId` (`orders.*`):
 * pattern subscriptions are not supported on Redis Streams
 */
export function readOptions<T>(options: RedisMotifOptions<T>): ResolvedRedisChannelOptions<T> {
  if (options === null || typeof options !== 'object') throw invalidOption('options', `must be an object, got ${describeType(options)}`);
  const { channelId } = options;
  // One stream per channel, read by id: there is no server-side way to follow streams created later.
  if (typeof channelId === 'string' && isChannelPattern(channelId)) throw patternUnsupported('redis', channelId);
  assertRedisChannelId(channelId);
  const redis = options.redis ?? {};
  if (typeof redis !== 'object' || redis === null || Array.isArray(redis)) throw invalidOption('redis', `must be an object, got ${describeType(redis)}`);
  const namespace = redis.namespace ?? DEFAULT_CHANNEL_NAMESPACE;
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 256 || /[{}]/.test(namespace)) {
    throw invalidOption('redis.namespace', 'must be a non-empty string of at most 256 characters without braces');
  }
  const mode = redis.mode ?? REDIS_LISTENER_DEFAULTS.mode;
  if (mode !== 'group' && mode !== 'broadcast') throw invalidOption('redis.mode', "must be 'group' or 'broadcast'");
  const deadLetterChannelId = redis.deadLetterChannel ?? defaultDeadLetterChannel(channelId);
  assertRedisChannelId(deadLetterChannelId, 'redis.deadLetterChannel');
  if (deadLetterChannelId === channelId || channelHashTag(namespace, deadLetterChannelId) !== channelHashTag(namespace, channelId)) {
    throw invalidOption('redis.deadLetterChannel', `must differ from channelId and start with the same segment ("${channelHashTag(namespace, channelId).slice(namespace.length + 2, -1)}"), so both streams share one hash tag`);
  }
  const concurrency = intIn(redis.concurrency, 'redis.concurrency', 1, 1000, REDIS_LISTENER_DEFAULTS.concurrency);
  const batchSize = intIn(redis.batchSize, 'redis.batchSize', 1, 10_000, REDIS_LISTENER_DEFAULTS.batchSize);
  const claimIdleMs = intIn(redis.claimIdleMs, 'redis.claimIdleMs', 10, 2_147_483_647, REDIS_LISTENER_DEFAULTS.claimIdleMs);
  const maxDeliveries = intIn(redis.maxDeliveries, 'redis.maxDeliveries', 1, 1_000_000, REDIS_LISTENER_DEFAULTS.maxDeliveries);
  const deleteConsumerOnClose = redis.deleteConsumerOnClose ?? REDIS_LISTENER_DEFAULTS.deleteConsumerOnClose;
  if (typeof deleteConsumerOnClose !== 'boolean') throw invalidOption('redis.deleteConsumerOnClose', 'must be a boolean');
  const { consumer } = redis;
  if (consumer !== undefined && (typeof consumer !== 'string' || !/^[A-Za-z0-9._:@-]{1,200}$/.test(consumer))) {
    throw invalidOption('redis.consumer', 'must be 1 to 200 letters, digits or . _ : @ -');
  }
  const trim = resolveTrimPolicy(redis.trim, 'redis.trim');
  const connection = normalizeRedisOptions<Redis | Cluster, RedisOptions, Partial<ClusterOptions>>(redis);
  return { channelId, namespace, deadLetterChannelId, redis, connection, mode, concurrency, batchSize, claimIdleMs, maxDeliveries, deleteConsumerOnClose, trim, consumer };
}
