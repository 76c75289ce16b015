import type { Redis, RedisOptions } from 'ioredis';
import type { CacherBaseOptions, RedisReconnectOptions } from '@motifs/core';

/**
 * Options of the Redis cacher (`makeCacher({ kind: 'redis', redis: { ... } })`). The reconnect
 * options (`connectTimeoutMs`, `reconnectMaxDelayMs`) and their defaults are the ones every Redis
 * motif takes ({@link RedisReconnectOptions}).
 */
export interface RedisCacherOptions extends RedisReconnectOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://` for TLS. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * An ioredis client to use instead of opening one. It stays yours: `close()` leaves it open.
   * If it has no `commandTimeout`, every call is bounded by `commandTimeoutMs` here instead.
   */
  client?: Redis;
  /** Longest a call may take, waiting for the connection included, before it rejects. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** TLS options (passed to ioredis / `tls.connect`); `rediss://` URLs turn TLS on as well. */
  tls?: RedisOptions['tls'];
  /** ACL user name. */
  username?: string;
  /** Password (ACL or `requirepass`). */
  password?: string;
  /** Database index. */
  db?: number;
  /**
   * Emit `expire` on `em` when Redis drops one of this cacher's keys, from keyspace notifications on
   * a second connection. The server must have `notify-keyspace-events` including `Ex` (the cacher
   * does not change server config). Default false.
   */
  expiryEvents?: boolean;
  /** SCAN page size hint for listings. Default 1000. */
  scanCount?: number;
  /** Any other ioredis option; the ones above win. */
  ioredis?: RedisOptions;
}

/** `createCacher` options, as `makeCacher({ kind: 'redis', ... })` receives them. */
export interface RedisCacherFactoryOptions extends CacherBaseOptions {
  kind?: 'redis';
  redis?: RedisCacherOptions;
}

declare module '@motifs/core' {
  interface CacherKinds {
    redis: RedisCacherOptions;
  }
}
