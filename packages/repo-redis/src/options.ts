import type { RedisReconnectOptions, RepoBaseOptions } from '@motifs/core';
import type { Redis } from 'ioredis';

/**
 * Options under the `redis` key of `makeRepo({ kind: 'redis', ... })`. The reconnect options
 * (`connectTimeoutMs`, `reconnectMaxDelayMs`) and their defaults are the ones every Redis motif
 * takes ({@link RedisReconnectOptions}); they apply to a client the repo creates.
 */
export interface RedisRepoKindOptions extends RedisReconnectOptions {
  /** Server URL for a client the repo creates (and closes). Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** An ioredis client to use instead; `close()` leaves it open (it is yours). */
  client?: Redis;
  /** Every call fails with `MotifsErrorTimeout` after this many ms without an answer. Default 5000. */
  commandTimeoutMs?: number;
}

/** What `createRepo` / `createRedisRepo` take. */
export interface RedisRepoOptions extends RepoBaseOptions {
  kind?: 'redis';
  redis?: RedisRepoKindOptions;
}

declare module '@motifs/core' {
  interface RepoKinds {
    redis: RedisRepoKindOptions;
  }
}
