import type { ValidationIssue } from '../errors.js';

/** How a Redis motif reaches Redis: one node (`url`), a Redis Cluster, or a master found through Sentinel. */
export type RedisTopology = 'single' | 'cluster' | 'sentinel';

/** A `host` and `port` of a node or a sentinel. */
export interface RedisHostPort {
  host: string;
  port: number;
}

/**
 * `redis.cluster`: connect to a Redis Cluster. Motifs opens an ioredis `Cluster` from the startup
 * `nodes` (any reachable subset; it discovers the rest) and sends every call to the master owning
 * its slot. The top-level `tls`, `username`, `password` and `ioredis` apply to every node.
 * @example
 * redis: { cluster: { nodes: ['10.0.0.1:6379', { host: '10.0.0.2', port: 6379 }] }, password }
 */
export interface RedisClusterTopology<ClusterOptions = Record<string, unknown>> {
  /** Startup nodes: `'host:port'` or `{ host, port }`; at least one. */
  nodes: (string | RedisHostPort)[];
  /**
   * Any other option of the client library's cluster client (e.g. `natMap`, `dnsLookup`,
   * `slotsRefreshInterval`). The settings motifs relies on (no offline queue, reads and writes on
   * masters, no resend of a call a lost connection may have delivered, its reconnect schedule) win.
   */
  clusterOptions?: ClusterOptions;
}

/**
 * `redis.sentinel`: connect to the master Sentinel names `name`, following it through failovers.
 * The top-level `tls`, `username`, `password`, `db` and `ioredis` apply to the data nodes; `tls`
 * applies to the sentinels too.
 * @example
 * redis: { sentinel: { sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'mymaster' } }
 */
export interface RedisSentinelTopology {
  /** The sentinels to ask for the master's address: `'host:port'` or `{ host, port }`; at least one. */
  sentinels: (string | RedisHostPort)[];
  /** The master name the sentinels watch (`sentinel monitor <name> ...`). */
  name: string;
  /** The sentinels' own password (`requirepass` of the sentinels), if they have one. */
  password?: string;
  /** The sentinels' ACL user, if any. */
  username?: string;
}

/** {@link RedisSentinelTopology} once validated: sentinels as `{ host, port }`. */
export interface NormalizedRedisSentinel extends RedisSentinelTopology {
  sentinels: RedisHostPort[];
}

/** {@link RedisClusterTopology} once validated: nodes as `{ host, port }`. */
export interface NormalizedRedisCluster<ClusterOptions = Record<string, unknown>> {
  nodes: RedisHostPort[];
  clusterOptions: ClusterOptions | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPort = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536;

/** `'host:port'` (IPv6 as `[::1]:6379`) or `{ host, port }` → `{ host, port }`, or undefined when malformed. */
export function parseRedisHostPort(value: unknown): RedisHostPort | undefined {
  if (typeof value === 'string') {
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
    const port = m ? Number(m[3]) : NaN;
    return m && isPort(port) ? { host: (m[1] ?? m[2])!, port } : undefined;
  }
  if (isObject(value) && typeof value.host === 'string' && value.host !== '' && isPort(value.port)) return { host: value.host, port: value.port };
  return undefined;
}

type Fail = (path: (string | number)[], message: string) => void;

/** Validates `redis.cluster`; reports problems through `fail` (paths relative to `redis`). */
export function checkRedisCluster<ClusterOptions>(value: unknown, fail: Fail): NormalizedRedisCluster<ClusterOptions> | undefined {
  if (!isObject(value)) {
    fail(['cluster'], 'must be an object: { nodes, clusterOptions? }');
    return undefined;
  }
  const nodes: RedisHostPort[] = [];
  if (!Array.isArray(value.nodes) || value.nodes.length === 0) fail(['cluster', 'nodes'], "must be a non-empty array of 'host:port' or { host, port }");
  else {
    value.nodes.forEach((node, i) => {
      const parsed = parseRedisHostPort(node);
      if (parsed) nodes.push(parsed);
      else fail(['cluster', 'nodes', i], "must be 'host:port' or { host, port } with a port in 1..65535");
    });
  }
  if (value.clusterOptions !== undefined && !isObject(value.clusterOptions)) fail(['cluster', 'clusterOptions'], 'must be an object of cluster client options');
  for (const key of Object.keys(value)) {
    if (key !== 'nodes' && key !== 'clusterOptions') fail(['cluster', key], 'is not a cluster option (put client options under clusterOptions)');
  }
  return { nodes, clusterOptions: value.clusterOptions as ClusterOptions | undefined };
}

/** Validates `redis.sentinel`; reports problems through `fail` (paths relative to `redis`). */
export function checkRedisSentinel(value: unknown, fail: Fail): NormalizedRedisSentinel | undefined {
  if (!isObject(value)) {
    fail(['sentinel'], 'must be an object: { sentinels, name, password?, username? }');
    return undefined;
  }
  const sentinels: RedisHostPort[] = [];
  if (!Array.isArray(value.sentinels) || value.sentinels.length === 0) fail(['sentinel', 'sentinels'], 'must be a non-empty array of { host, port }');
  else {
    value.sentinels.forEach((s, i) => {
      const parsed = parseRedisHostPort(s);
      if (parsed) sentinels.push(parsed);
      else fail(['sentinel', 'sentinels', i], "must be { host, port } (or 'host:port') with a port in 1..65535");
    });
  }
  if (typeof value.name !== 'string' || value.name === '') fail(['sentinel', 'name'], 'must be the master name the sentinels watch');
  for (const key of ['password', 'username']) {
    if (value[key] !== undefined && typeof value[key] !== 'string') fail(['sentinel', key], 'must be a string');
  }
  for (const key of Object.keys(value)) {
    if (!['sentinels', 'name', 'password', 'username'].includes(key)) fail(['sentinel', key], 'is not a sentinel option');
  }
  return {
    sentinels,
    name: value.name as string,
    ...(value.password !== undefined && { password: value.password as string }),
    ...(value.username !== undefined && { username: value.username as string }),
  };
}

/** The topology a caller's client speaks: an ioredis `Cluster` says `isCluster`, a Sentinel-backed `Redis` lists `options.sentinels`. */
export function redisClientTopology(client: unknown): RedisTopology {
  const c = client as { isCluster?: unknown; options?: { sentinels?: unknown } } | null;
  if (c?.isCluster === true) return 'cluster';
  if (Array.isArray(c?.options?.sentinels) && c.options.sentinels.length > 0) return 'sentinel';
  return 'single';
}

/** Issue list helper: `fail` that prefixes the motif's path. */
export function issueCollector(issues: ValidationIssue[], path: (string | number)[]): Fail {
  return (rel, message) => {
    issues.push({ path: [...path, ...rel], message });
  };
}
