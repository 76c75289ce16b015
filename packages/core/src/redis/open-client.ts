import { MotifsErrorValidation } from '../errors.js';
import type { NormalizedRedisOptions } from './options.js';
import { redisReconnectDelayMs } from './reconnect.js';
import type { RedisTopology } from './topology.js';

/** The part of the ioredis module {@link openRedisClient} uses: its `Redis` class, and `Cluster` for a cluster. */
export interface RedisClientModule<Client> {
  /** Called as `new Redis(url, options)` for one node, `new Redis(options)` for Sentinel. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Redis: new (...args: any[]) => Client;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Cluster?: new (...args: any[]) => Client;
}

/** A client, whether the motif owns it (opened it, so closes it), and how it reaches Redis. */
export interface RedisConnection<Client> {
  client: Client;
  owned: boolean;
  /** `single`, `cluster` or `sentinel`; for a caller's client, what the client is. */
  topology: RedisTopology;
}

/**
 * The client options every Redis motif opens its connection with; `settings` are validated
 * options ({@link normalizeRedisOptions}). The motif's settings win over `settings.ioredis`.
 */
export function redisClientOptions(settings: NormalizedRedisOptions<unknown, unknown, unknown>): Record<string, unknown> {
  const { reconnectMaxDelayMs } = settings;
  return {
    ...(settings.ioredis as Record<string, unknown> | undefined),
    ...(settings.tls !== undefined && { tls: settings.tls }),
    ...(settings.username !== undefined && { username: settings.username }),
    ...(settings.password !== undefined && { password: settings.password }),
    ...(settings.db !== undefined && { db: settings.db }),
    // The motif starts connecting itself (openRedisClient), without waiting: creating it resolves
    // even while Redis is down, and calls wait for the connection at most commandTimeoutMs.
    lazyConnect: true,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    // A call goes to a ready connection or fails unsent; it never piles up while Redis is down.
    enableOfflineQueue: false,
    // A call whose connection drops is failed, never sent again by the client: a resent write could
    // apply twice (a create would then report its own success as a conflict). The motif reports
    // such a failure as outcome-unknown instead.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times: number) => redisReconnectDelayMs(times, reconnectMaxDelayMs),
  };
}

/**
 * The options of a Sentinel-backed client: {@link redisClientOptions} for the data nodes, plus the
 * sentinels, the master name and the sentinels' credentials; `tls` applies to the sentinels too.
 */
export function redisSentinelClientOptions(settings: NormalizedRedisOptions<unknown, unknown, unknown>): Record<string, unknown> {
  const sentinel = settings.sentinel!;
  return {
    ...redisClientOptions(settings),
    sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: sentinel.name,
    role: 'master',
    ...(sentinel.password !== undefined && { sentinelPassword: sentinel.password }),
    ...(sentinel.username !== undefined && { sentinelUsername: sentinel.username }),
    ...(settings.tls !== undefined && { enableTLSForSentinelMode: true, sentinelTLS: settings.tls }),
    // Asking the sentinels again follows the same schedule as reconnecting to a node.
    sentinelRetryStrategy: (times: number) => redisReconnectDelayMs(times, settings.reconnectMaxDelayMs),
    sentinelCommandTimeout: settings.connectTimeoutMs,
    // No `failoverDetector`: Sentinel already cuts the old master's clients off when it fails over,
    // and with ioredis 5 a detector's sentinel connections outlive quit() (the process never exits).
  };
}

/**
 * The options of a cluster client. Each node connection gets {@link redisClientOptions} (its
 * command timeout, no resend of a call a lost connection may have delivered); the cluster client:
 * - reads and writes on masters (`scaleReads: 'master'`: a replica may lag);
 * - its offline queue stays on, because with it off ioredis rejects a call for a node whose
 *   connection is still opening as `Connection is closed.` (unsent, but indistinguishable from a
 *   call lost in flight). Motifs never queues into it: a call waits for the cluster to be ready
 *   ({@link waitForRedisReady}) and is bounded by `commandTimeoutMs` by the motif itself, since a
 *   cluster client has no command timeout of its own;
 * - a redirection (`MOVED`, `ASK`) or a refusal before running (`TRYAGAIN`, `CLUSTERDOWN`) is
 *   followed or retried after 100 ms, at most 16 times, and refreshes the slot map;
 * - a call whose node connection closed is not sent again (`retryDelayOnFailover: 0`): it may
 *   have run; the slot map is refreshed every `slotsRefreshInterval` (1000 ms) and on every
 *   redirection, so calls reach the promoted replica once the cluster says so;
 * - reconnection follows the shared schedule.
 */
export function redisClusterClientOptions(settings: NormalizedRedisOptions<unknown, unknown, unknown>): Record<string, unknown> {
  const node = redisClientOptions(settings);
  delete node.db;
  delete node.retryStrategy;
  delete node.lazyConnect;
  // Node connections are opened on demand by the cluster client, which queues a call for a node
  // until its connection is up (bounded by the node's command timeout).
  delete node.enableOfflineQueue;
  return {
    slotsRefreshInterval: 1000,
    slotsRefreshTimeout: Math.min(1000, settings.commandTimeoutMs),
    ...(settings.cluster?.clusterOptions as Record<string, unknown> | undefined),
    redisOptions: node,
    lazyConnect: true,
    enableOfflineQueue: true,
    enableReadyCheck: true,
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnMoved: 0,
    retryDelayOnTryAgain: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 0,
    clusterRetryStrategy: (times: number) => redisReconnectDelayMs(times, settings.reconnectMaxDelayMs),
  };
}

/**
 * The connection of a Redis motif: the caller's `client` as is (not owned), or a new client
 * opened with {@link redisClientOptions} (owned), which starts connecting at once without being
 * waited for (so this resolves even while Redis is down, and the first call does not pay for the
 * connection if it comes later). The client library is loaded through `load` only when a client
 * is opened, so core never imports it and an app passing its own client never loads a second
 * copy. A no-op `error` listener keeps the library from printing connection errors: calls report
 * them as motifs errors.
 * @example
 * const { client, owned } = await openRedisClient(normalizeRedisOptions(options.redis), () => import('ioredis'));
 */
export async function openRedisClient<Client extends { on(event: 'error', listener: (err: unknown) => void): unknown; connect(): Promise<unknown> }>(
  settings: NormalizedRedisOptions<Client, unknown, unknown>,
  load: () => Promise<RedisClientModule<Client>>,
): Promise<RedisConnection<Client>> {
  const topology = settings.topology;
  if (settings.client !== undefined) return { client: settings.client, owned: false, topology };
  const { Redis, Cluster } = await load();
  let client: Client;
  if (topology === 'cluster') {
    if (!Cluster) throw new MotifsErrorValidation('redis.cluster needs a client library with a Cluster class (ioredis)', { issues: [{ path: ['redis', 'cluster'], message: 'no Cluster client' }] });
    client = new Cluster(settings.cluster!.nodes, redisClusterClientOptions(settings));
  } else if (topology === 'sentinel') {
    client = new Redis(redisSentinelClientOptions(settings));
  } else {
    client = new Redis(settings.url, redisClientOptions(settings));
  }
  client.on('error', () => undefined);
  client.connect().catch(() => undefined);
  return { client, owned: true, topology };
}
