import { REDIS_DEFAULTS } from './redis/options.js';
import type { RedisReconnectOptions } from './redis/reconnect.js';

export { redisReconnectDelayMs, type RedisReconnectOptions } from './redis/reconnect.js';

/**
 * The reconnect defaults of every Redis adapter (5000 ms, 1000 ms).
 * @deprecated Read them from {@link REDIS_DEFAULTS}, the one table of Redis defaults.
 */
export const REDIS_RECONNECT_DEFAULTS: Readonly<Required<RedisReconnectOptions>> = Object.freeze({
  connectTimeoutMs: REDIS_DEFAULTS.connectTimeoutMs,
  reconnectMaxDelayMs: REDIS_DEFAULTS.reconnectMaxDelayMs,
});
