import type { ConnectionOptions } from 'node:tls';
import { MotifsErrorValidation, type ValidationIssue } from '../errors.js';
import type { RedisReconnectOptions } from './reconnect.js';
import { checkRedisDurability, type RedisDurabilityOptions } from './durability.js';
import {
  checkRedisCluster,
  checkRedisSentinel,
  issueCollector,
  redisClientTopology,
  type NormalizedRedisCluster,
  type NormalizedRedisSentinel,
  type RedisClusterTopology,
  type RedisSentinelTopology,
  type RedisTopology,
} from './topology.js';

/**
 * The connection options every Redis motif takes under its `redis` key, with the same meaning and
 * the same defaults ({@link REDIS_DEFAULTS}) in every package. Give at most one of `url` (one
 * node), `cluster` (a Redis Cluster), `sentinel` (a master found through Sentinel) — motifs opens,
 * and closes, that connection — or `client` (your connection, an ioredis `Redis` or `Cluster`:
 * motifs uses it and leaves it open); the other connection settings apply to a connection motifs opens.
 *
 * Core has no Redis client: an adapter fills in its client classes, e.g.
 * `RedisConnectionOptions<Redis, RedisOptions>` with ioredis.
 * @example
 * const cacher = await createRedisCacher({ namespace: 'app', redis: { url: 'rediss://cache:6380', password: process.env.REDIS_PASSWORD, commandTimeoutMs: 500 } });
 */
export interface RedisConnectionOptions<Client = unknown, ClientOptions = Record<string, unknown>, ClusterOptions = Record<string, unknown>>
  extends RedisReconnectOptions {
  /** `redis://[user:pass@]host:port[/db]`, or `rediss://` for TLS. Default `redis://127.0.0.1:6379` (when no other topology is given). */
  url?: string;
  /** A Redis Cluster: its startup nodes and cluster client options (see {@link RedisClusterTopology}). */
  cluster?: RedisClusterTopology<ClusterOptions>;
  /** A master found through Sentinel (see {@link RedisSentinelTopology}). */
  sentinel?: RedisSentinelTopology;
  /**
   * A connected (or connectable) client to use instead of opening one: an ioredis `Redis` (single
   * node or Sentinel-backed) or `Cluster`. It stays yours: `close()` leaves it open. If it has no
   * command timeout of its own, motifs bounds each call by `commandTimeoutMs`.
   */
  client?: Client;
  /**
   * Wait after each write until this many replicas confirm it (Redis `WAIT`), or reject with an
   * `outcomeUnknown` `MotifsErrorUnavailable`. Off by default. See `docs/redis-options.md` for
   * what it does and does not guarantee.
   */
  durability?: RedisDurabilityOptions;
  /**
   * Longest a call may take, waiting for the connection included, before it rejects with
   * `MotifsErrorTimeout` (a write that may have been sent is then also `outcomeUnknown`).
   * Default 2000 ms.
   */
  commandTimeoutMs?: number;
  /**
   * Send the commands of the calls made in one tick in one socket write (see {@link TickCork}):
   * what makes concurrent calls cheap. Order, `commandTimeoutMs`, replies and errors stay per
   * call. Applies to one node and Sentinel, your `client` included; on a Redis Cluster see
   * `docs/redis-options.md`. Default true; false writes each command at once.
   */
  autoPipelining?: boolean;
  /** TLS options for `tls.connect` (`{}` turns TLS on with the system CAs); `rediss://` URLs turn TLS on as well. */
  tls?: ConnectionOptions;
  /** ACL user name (Redis 6+). */
  username?: string;
  /** Password (ACL user's, or `requirepass`). */
  password?: string;
  /** Database index. Default 0 (or the one in `url`). */
  db?: number;
  /**
   * Any other option of the client library, for a connection motifs opens. The settings motifs
   * relies on (no offline queue, no retry or resend of a sent call, its timeouts and reconnect
   * schedule, connecting on first use) win over these.
   */
  ioredis?: ClientOptions;
}

/** {@link RedisConnectionOptions} with every default applied, as {@link normalizeRedisOptions} returns them. */
export interface NormalizedRedisOptions<Client = unknown, ClientOptions = Record<string, unknown>, ClusterOptions = Record<string, unknown>> {
  /** How the connection reaches Redis; for `client`, what the client is (a `Cluster` → `cluster`). */
  topology: RedisTopology;
  url: string;
  cluster: NormalizedRedisCluster<ClusterOptions> | undefined;
  sentinel: NormalizedRedisSentinel | undefined;
  client: Client | undefined;
  durability: Required<RedisDurabilityOptions> | undefined;
  commandTimeoutMs: number;
  autoPipelining: boolean;
  connectTimeoutMs: number;
  reconnectMaxDelayMs: number;
  tls: ConnectionOptions | undefined;
  username: string | undefined;
  password: string | undefined;
  db: number | undefined;
  ioredis: ClientOptions | undefined;
}

/**
 * The defaults of every Redis motif (cacher-redis, repo-redis), documented once in
 * `docs/redis-options.md`.
 *
 * `commandTimeoutMs` is 2000 ms: a healthy Redis answers in well under a millisecond and its usual
 * stalls (a snapshot's fork, an AOF fsync) last tens to hundreds of milliseconds, so a call still
 * unanswered after 2 s means the server or the path to it is in trouble. Failing then keeps a
 * request's latency bounded and hands control to the caller's fallback (a cache loader, a retry,
 * a circuit breaker). Raise it for a remote or heavily loaded server.
 */
export const REDIS_DEFAULTS = Object.freeze({
  url: 'redis://127.0.0.1:6379',
  commandTimeoutMs: 2000,
  connectTimeoutMs: 5000,
  reconnectMaxDelayMs: 1000,
});

/** The longest timer Node honours (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Settings that only shape a connection motifs opens; with `client` they would be silently ignored. */
const OWN_CONNECTION_ONLY = ['tls', 'username', 'password', 'db', 'ioredis', 'connectTimeoutMs', 'reconnectMaxDelayMs'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates the `redis` options of a Redis motif and applies {@link REDIS_DEFAULTS}. Every problem
 * is reported at once, each with its path (`['redis', 'commandTimeoutMs']`), before anything is
 * opened.
 * @throws MotifsErrorValidation for a bad value, more than one of `url` / `cluster` / `sentinel` /
 * `client`, a connection setting given with `client`, `db` with `cluster`, or a durability wait
 * that would outlast `commandTimeoutMs`
 * @example
 * const settings = normalizeRedisOptions(options.redis); // settings.commandTimeoutMs === 2000
 */
export function normalizeRedisOptions<Client = unknown, ClientOptions = Record<string, unknown>, ClusterOptions = Record<string, unknown>>(
  options: RedisConnectionOptions<Client, ClientOptions, ClusterOptions> | undefined,
  path: (string | number)[] = ['redis'],
): NormalizedRedisOptions<Client, ClientOptions, ClusterOptions> {
  const issues: ValidationIssue[] = [];
  const fail = (key: string | undefined, message: string): void => {
    issues.push({ path: key === undefined ? [...path] : [...path, key], message });
  };
  if (options !== undefined && !isPlainObject(options)) {
    fail(undefined, 'must be an object');
    throw invalid(issues);
  }
  const o = (options ?? {}) as Record<string, unknown>;
  for (const key of ['commandTimeoutMs', 'connectTimeoutMs', 'reconnectMaxDelayMs']) {
    const value = o[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS)) {
      fail(key, `must be a number of ms > 0 and <= ${MAX_TIMER_MS}`);
    }
  }
  if (o.autoPipelining !== undefined && typeof o.autoPipelining !== 'boolean') fail('autoPipelining', 'must be a boolean');
  if (o.url !== undefined && (typeof o.url !== 'string' || !/^rediss?:\/\/./.test(o.url))) fail('url', 'must be a redis:// or rediss:// URL');
  for (const key of ['username', 'password']) {
    if (o[key] !== undefined && typeof o[key] !== 'string') fail(key, 'must be a string');
  }
  if (o.db !== undefined && (typeof o.db !== 'number' || !Number.isSafeInteger(o.db) || o.db < 0)) fail('db', 'must be an integer >= 0');
  if (o.tls !== undefined && !isPlainObject(o.tls)) fail('tls', 'must be an object of tls.connect options ({} turns TLS on)');
  if (o.ioredis !== undefined && !isPlainObject(o.ioredis)) fail('ioredis', 'must be an object of client options');
  const given = (['url', 'cluster', 'sentinel', 'client'] as const).filter((key) => o[key] !== undefined);
  if (given.length > 1) fail(undefined, `give one of url, cluster, sentinel or client, not ${given.join(' and ')}`);
  const collect = issueCollector(issues, path);
  const cluster = o.cluster === undefined ? undefined : checkRedisCluster<ClusterOptions>(o.cluster, collect);
  const sentinel = o.sentinel === undefined ? undefined : checkRedisSentinel(o.sentinel, collect);
  if (cluster && o.db !== undefined) fail('db', 'a Redis Cluster has only database 0');
  const commandTimeoutMs = (o.commandTimeoutMs as number | undefined) ?? REDIS_DEFAULTS.commandTimeoutMs;
  const durability = o.durability === undefined ? undefined : checkRedisDurability(o.durability, commandTimeoutMs, collect);
  const client = o.client as { status?: unknown; get?: unknown } | undefined;
  if (client !== undefined) {
    if (!isPlainObject(client) || typeof client.status !== 'string' || typeof client.get !== 'function') {
      fail('client', 'must be a Redis client (an ioredis Redis or Cluster instance)');
    }
    for (const key of OWN_CONNECTION_ONLY) {
      if (o[key] !== undefined) fail(key, 'applies only to a connection motifs opens: configure your client instead');
    }
  }
  if (issues.length) throw invalid(issues);
  return {
    topology: client !== undefined ? redisClientTopology(client) : cluster ? 'cluster' : sentinel ? 'sentinel' : 'single',
    url: (o.url as string | undefined) ?? REDIS_DEFAULTS.url,
    cluster,
    sentinel,
    client: o.client as Client | undefined,
    durability,
    commandTimeoutMs,
    autoPipelining: (o.autoPipelining as boolean | undefined) ?? true,
    connectTimeoutMs: (o.connectTimeoutMs as number | undefined) ?? REDIS_DEFAULTS.connectTimeoutMs,
    reconnectMaxDelayMs: (o.reconnectMaxDelayMs as number | undefined) ?? REDIS_DEFAULTS.reconnectMaxDelayMs,
    tls: o.tls as ConnectionOptions | undefined,
    username: o.username as string | undefined,
    password: o.password as string | undefined,
    db: o.db as number | undefined,
    ioredis: o.ioredis as ClientOptions | undefined,
  };
}

function invalid(issues: ValidationIssue[]): MotifsErrorValidation {
  const text = issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
  return new MotifsErrorValidation(`invalid Redis options: ${text}`, { issues });
}
