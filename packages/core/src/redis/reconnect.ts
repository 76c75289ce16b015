/**
 * The reconnect schedule every Redis-backed motif shares, so they recover from an outage alike.
 * Core has no Redis client: adapters hand this to their client (ioredis `retryStrategy`).
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

/** First reconnect ceiling (ms); it doubles per attempt up to `reconnectMaxDelayMs`. */
const FIRST_CEILING_MS = 100;

/**
 * Pause before reconnection attempt `attempt` (1, 2, ...), with full jitter: a random time between
 * 0 and a ceiling that starts at 100 ms and doubles per attempt up to `maxDelayMs`. Spreading the
 * whole range (not just a fraction of it) keeps many instances that lost Redis together from
 * reconnecting in waves. Never more than `maxDelayMs`; at least 1 ms.
 * @example
 * new Redis(url, { retryStrategy: (times) => redisReconnectDelayMs(times, 1000) });
 */
export function redisReconnectDelayMs(attempt: number, maxDelayMs = 1000, random: () => number = Math.random): number {
  const step = Math.min(Math.max(Math.floor(attempt) || 1, 1), 30);
  const ceiling = Math.min(FIRST_CEILING_MS * 2 ** (step - 1), maxDelayMs);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.max(1, Math.round(ceiling * r)), Math.max(1, maxDelayMs));
}
