import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { CacherBaseOptions } from '@motifs/core';
import { MotifsErrorValidation, normalizeRedisOptions, type NormalizedRedisOptions, type RedisConnectionOptions, type ValidationIssue } from '@motifs/core/kit';

/**
 * Options under the `redis` key of `createRedisCacher` / `makeCacher({ kind: 'redis', ... })`: the
 * connection options every Redis motif takes, with the same defaults (see `docs/redis-options.md`),
 * plus the ones only a cacher has.
 */
export interface RedisCacherOptions extends RedisConnectionOptions<Redis | Cluster, RedisOptions, ClusterOptions> {
  /**
   * Emit `expire` on `em` when Redis drops one of this cacher's keys, from keyspace notifications on
   * a second connection. The server must have `notify-keyspace-events` including `Ex` (the cacher
   * does not change server config). Default false.
   */
  expiryEvents?: boolean;
  /** SCAN page size hint for listings. Default 1000. */
  scanCount?: number;
  /**
   * On a Redis Cluster, put all of this cacher's keys in one slot: the namespace becomes the keys'
   * hash tag (`motifs:cache{<namespace>}:<key>`). Listings and batch calls then touch one master
   * (cheaper, and atomic per batch) at the price of one hot shard. The namespace must not contain
   * braces; without a namespace the keys still spread (`motifs:cache{}:<key>`: Redis ignores an
   * empty tag). Default false: keys spread over every master (`motifs:cache:<namespace>:<key>`).
   * Changing it changes the keys: a cacher never sees keys written under the other layout.
   */
  hashTagNamespace?: boolean;
  /**
   * Send the commands the cacher issues in the same tick in one socket write (what makes
   * concurrent `getItem`s cheap; see the README's "Performance"). On one node or through Sentinel
   * the cacher corks the connection's socket until the end of the tick (your `client` too); on a
   * Redis Cluster motifs opens, ioredis `enableAutoPipelining` (one pipeline per master). Order,
   * `commandTimeoutMs` and errors stay per call. Default true; false writes each command at once.
   */
  autoPipelining?: boolean;
}

/** What `createRedisCacher` and `makeCacher({ kind: 'redis', ... })` take. */
export interface RedisCacherFactoryOptions extends CacherBaseOptions {
  kind?: 'redis';
  redis?: RedisCacherOptions;
}

/** {@link RedisCacherOptions} validated, with every default applied. */
export interface RedisCacherSettings extends NormalizedRedisOptions<Redis | Cluster, RedisOptions, ClusterOptions> {
  expiryEvents: boolean;
  scanCount: number;
  hashTagNamespace: boolean;
  autoPipelining: boolean;
}

/**
 * Validates the `redis` options of a cacher and applies the defaults (the shared Redis table, then
 * `expiryEvents: false`, `scanCount: 1000`, `hashTagNamespace: false`, `autoPipelining: true`).
 * @throws MotifsErrorValidation listing every bad option with its path, before anything is opened
 * (`expiryEvents` on a Redis Cluster included)
 */
export function normalizeRedisCacherOptions(options: RedisCacherOptions | undefined): RedisCacherSettings {
  const issues: ValidationIssue[] = [];
  let connection: NormalizedRedisOptions<Redis | Cluster, RedisOptions, ClusterOptions> | undefined;
  try {
    connection = normalizeRedisOptions<Redis | Cluster, RedisOptions, ClusterOptions>(options);
  } catch (err) {
    if (!(err instanceof MotifsErrorValidation)) throw err;
    issues.push(...err.issues);
  }
  const { expiryEvents, scanCount, hashTagNamespace, autoPipelining } = (typeof options === 'object' && options !== null ? options : {}) as RedisCacherOptions;
  if (expiryEvents !== undefined && typeof expiryEvents !== 'boolean') issues.push({ path: ['redis', 'expiryEvents'], message: 'must be a boolean' });
  // Keyspace notifications are per node, and a failover or resharding moves keys between nodes.
  if (expiryEvents === true && connection?.topology === 'cluster') {
    issues.push({ path: ['redis', 'expiryEvents'], message: 'is not supported on a Redis Cluster (keyspace notifications are per node)' });
  }
  if (hashTagNamespace !== undefined && typeof hashTagNamespace !== 'boolean') issues.push({ path: ['redis', 'hashTagNamespace'], message: 'must be a boolean' });
  if (scanCount !== undefined && (typeof scanCount !== 'number' || !Number.isSafeInteger(scanCount) || scanCount <= 0)) {
    issues.push({ path: ['redis', 'scanCount'], message: 'must be an integer > 0' });
  }
  if (issues.length || !connection) {
    throw new MotifsErrorValidation(`invalid Redis cacher options: ${issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, { issues });
  }
  return {
    ...connection,
    expiryEvents: expiryEvents ?? false,
    scanCount: scanCount ?? 1000,
    hashTagNamespace: hashTagNamespace ?? false,
    // On a cluster, a `clusterOptions.enableAutoPipelining` of the caller's stands unless `autoPipelining` is given.
    // (the shared Redis options validated `autoPipelining` itself).
    autoPipelining: autoPipelining ?? clusterAutoPipelining(connection) ?? connection.autoPipelining,
  };
}

function clusterAutoPipelining(connection: NormalizedRedisOptions<Redis | Cluster, RedisOptions, ClusterOptions>): boolean | undefined {
  const value = connection.cluster?.clusterOptions?.enableAutoPipelining;
  return typeof value === 'boolean' ? value : undefined;
}

declare module '@motifs/core' {
  interface CacherKinds {
    redis: RedisCacherOptions;
  }
}
