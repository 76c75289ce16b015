/**
 * The reconnect options and defaults every Redis-backed motif shares (cacher-redis, repo-redis),
 * so they recover from an outage alike. Core has no Redis client: adapters hand these numbers to
 * their client (ioredis `connectTimeout` and `retryStrategy`).
 */

/** Reconnect options taken under the `redis` key of every Redis adapter. */
export interface RedisReconnectOptions {
  /** Longest wait for a TCP/TLS connection. Default 5000 ms. */
  connectTimeoutMs?: number;
  /**
   * Longest pause between reconnection attempts while Redis is down, hence about the longest a
   * motif keeps failing after Redis is back. Default 1000 ms.
   */
  reconnectMaxDelayMs?: number;
}

/** Defaults of {@link RedisReconnectOptions}, the same in every Redis adapter. */
export const REDIS_RECONNECT_DEFAULTS: Readonly<Required<RedisReconnectOptions>> = Object.freeze({
  connectTimeoutMs: 5000,
  reconnectMaxDelayMs: 1000,
});

/**
 * Pause before reconnection attempt `attempt` (1, 2, ...): 100 ms doubling per attempt, capped at
 * `maxDelayMs`, minus up to a quarter at random so instances that lost Redis together do not all
 * reconnect in the same millisecond. Never more than `maxDelayMs`.
 * @example
 * new Redis(url, { retryStrategy: (times) => redisReconnectDelayMs(times, options.reconnectMaxDelayMs) });
 */
export function redisReconnectDelayMs(attempt: number, maxDelayMs: number = REDIS_RECONNECT_DEFAULTS.reconnectMaxDelayMs, random: () => number = Math.random): number {
  const step = Math.min(Math.max(Math.floor(attempt) || 1, 1), 20);
  const ceiling = Math.min(50 * 2 ** step, maxDelayMs);
  return Math.max(1, Math.round(ceiling * (0.75 + 0.25 * random())));
}
