import type { RepoBaseOptions } from '@motifs/core';
import type { RedisConnectionOptions } from '@motifs/core/kit';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/**
 * Options under the `redis` key of `createRedisRepo` / `makeRepo({ kind: 'redis', ... })`: the
 * connection options every Redis motif takes, with the same meaning and defaults (see
 * `docs/redis-options.md`): one node (`url`), a Redis Cluster (`cluster`), Sentinel (`sentinel`),
 * or your own ioredis `Redis` / `Cluster` (`client`); `durability` waits for replicas after each
 * write; `autoPipelining` (default true) sends the calls of one tick in one socket write, on one
 * node or Sentinel (no effect on a Cluster: pass `cluster.clusterOptions.enableAutoPipelining` for
 * ioredis' own).
 */
export type RedisRepoKindOptions = RedisConnectionOptions<Redis | Cluster, RedisOptions, Partial<ClusterOptions>>;

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
