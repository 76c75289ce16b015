import { describe, expect, it } from '@jest/globals';
import { MotifsErrorValidation } from '../src/errors.js';
import { REDIS_RECONNECT_DEFAULTS } from '../src/redis-reconnect.js';
import {
  REDIS_DEFAULTS,
  normalizeRedisOptions,
  openRedisClient,
  parseRedisHostPort,
  redisClientOptions,
  redisClientTopology,
  redisClusterClientOptions,
  redisSentinelClientOptions,
} from '../src/redis/index.js';

const fakeClient = { status: 'ready', get: async () => null, on: () => undefined, connect: async () => undefined };

describe('normalizeRedisOptions', () => {
  it('applies the one default table', () => {
    expect(normalizeRedisOptions(undefined)).toEqual({
      topology: 'single',
      url: 'redis://127.0.0.1:6379',
      cluster: undefined,
      sentinel: undefined,
      client: undefined,
      durability: undefined,
      commandTimeoutMs: 2000,
      autoPipelining: true,
      connectTimeoutMs: 5000,
      reconnectMaxDelayMs: 1000,
      tls: undefined,
      username: undefined,
      password: undefined,
      db: undefined,
      ioredis: undefined,
    });
    expect(REDIS_DEFAULTS).toEqual({ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 2000, connectTimeoutMs: 5000, reconnectMaxDelayMs: 1000 });
    expect(Object.isFrozen(REDIS_DEFAULTS)).toBe(true);
    expect(REDIS_RECONNECT_DEFAULTS).toEqual({ connectTimeoutMs: 5000, reconnectMaxDelayMs: 1000 });
  });

  it('keeps what the caller gave', () => {
    const given = { url: 'rediss://cache:6380/2', commandTimeoutMs: 300, connectTimeoutMs: 700, reconnectMaxDelayMs: 50, tls: { servername: 'cache' }, username: 'app', password: 's', db: 3, ioredis: { name: 'x' } };
    expect(normalizeRedisOptions(given)).toEqual({ ...given, topology: 'single', cluster: undefined, sentinel: undefined, client: undefined, durability: undefined, autoPipelining: true });
    expect(normalizeRedisOptions({ autoPipelining: false }).autoPipelining).toBe(false);
    // It shapes how calls are written, not the connection: allowed with a caller's client too.
    expect(normalizeRedisOptions({ client: fakeClient, autoPipelining: false }).autoPipelining).toBe(false);
  });

  it('refuses an autoPipelining that is not a boolean, with its path', () => {
    for (const bad of ['yes', 1, null, {}]) {
      let caught: unknown;
      try {
        normalizeRedisOptions({ autoPipelining: bad as never });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(MotifsErrorValidation);
      expect((caught as MotifsErrorValidation).issues).toEqual([{ path: ['redis', 'autoPipelining'], message: 'must be a boolean' }]);
    }
    expect(normalizeRedisOptions({ client: fakeClient, commandTimeoutMs: 10 })).toMatchObject({ client: fakeClient, commandTimeoutMs: 10 });
  });

  const issuesOf = (options: unknown): unknown => {
    try {
      normalizeRedisOptions(options as never);
    } catch (err) {
      expect(err).toBeInstanceOf(MotifsErrorValidation);
      return (err as MotifsErrorValidation).issues.map((i) => i.path.join('.'));
    }
    throw new Error('accepted');
  };

  it.each([
    ['a zero command timeout', { commandTimeoutMs: 0 }, ['redis.commandTimeoutMs']],
    ['a negative connect timeout', { connectTimeoutMs: -1 }, ['redis.connectTimeoutMs']],
    ['an infinite reconnect delay', { reconnectMaxDelayMs: Infinity }, ['redis.reconnectMaxDelayMs']],
    ['a timeout Node cannot time (fires at once)', { commandTimeoutMs: 2 ** 31 }, ['redis.commandTimeoutMs']],
    ['a timeout given as text', { commandTimeoutMs: '500' }, ['redis.commandTimeoutMs']],
    ['an http URL', { url: 'http://h:6379' }, ['redis.url']],
    ['a URL that is not text', { url: 6379 }, ['redis.url']],
    ['a numeric password', { password: 123 }, ['redis.password']],
    ['a user name that is not text', { username: {} }, ['redis.username']],
    ['a negative db', { db: -1 }, ['redis.db']],
    ['a fractional db', { db: 1.5 }, ['redis.db']],
    ['tls: true', { tls: true }, ['redis.tls']],
    ['ioredis options that are not an object', { ioredis: 'x' }, ['redis.ioredis']],
    ['a cluster that is not an object', { cluster: ['h:1'] }, ['redis.cluster']],
    ['a cluster without nodes', { cluster: { nodes: [] } }, ['redis.cluster.nodes']],
    ['cluster nodes with a bad entry', { cluster: { nodes: ['h:1', 'h', { host: 'h', port: 0 }, 'h:70000'] } }, ['redis.cluster.nodes.1', 'redis.cluster.nodes.2', 'redis.cluster.nodes.3']],
    ['cluster client options that are not an object', { cluster: { nodes: ['h:1'], clusterOptions: 1 } }, ['redis.cluster.clusterOptions']],
    ['an unknown cluster key', { cluster: { nodes: ['h:1'], scaleReads: 'slave' } }, ['redis.cluster.scaleReads']],
    ['a db with a cluster', { cluster: { nodes: ['h:1'] }, db: 1 }, ['redis.db']],
    ['a sentinel that is not an object', { sentinel: 'm' }, ['redis.sentinel']],
    ['a sentinel without sentinels', { sentinel: { name: 'm' } }, ['redis.sentinel.sentinels']],
    ['a sentinel without a name', { sentinel: { sentinels: [{ host: 'h', port: 1 }] } }, ['redis.sentinel.name']],
    ['a sentinel with a bad entry and password', { sentinel: { sentinels: [{ host: '', port: 1 }], name: 'm', password: 1 } }, ['redis.sentinel.sentinels.0', 'redis.sentinel.password']],
    ['an unknown sentinel key', { sentinel: { sentinels: ['h:1'], name: 'm', role: 'slave' } }, ['redis.sentinel.role']],
    ['url and cluster together', { url: 'redis://h', cluster: { nodes: ['h:1'] } }, ['redis']],
    ['cluster and sentinel together', { cluster: { nodes: ['h:1'] }, sentinel: { sentinels: ['h:2'], name: 'm' } }, ['redis']],
    ['durability that is not an object', { durability: 1 }, ['redis.durability']],
    ['durability without replicas', { durability: { timeoutMs: 10 } }, ['redis.durability.replicas']],
    ['durability with 0 replicas', { durability: { replicas: 0 } }, ['redis.durability.replicas']],
    ['a durability wait as long as the command timeout', { commandTimeoutMs: 500, durability: { replicas: 1, timeoutMs: 500 } }, ['redis.durability.timeoutMs']],
    ['a durability wait of 0 (WAIT would block forever)', { durability: { replicas: 1, timeoutMs: 0 } }, ['redis.durability.timeoutMs']],
    ['an unknown durability key', { durability: { replicas: 1, fsync: true } }, ['redis.durability.fsync']],
    ['something that is not a client', { client: {} }, ['redis.client']],
    ['url and client together', { url: 'redis://h', client: fakeClient }, ['redis']],
    ['a connection setting with a client of yours', { client: fakeClient, password: 'p', db: 1 }, ['redis.password', 'redis.db']],
    ['options that are not an object', 'redis://h', ['redis']],
    ['several problems at once', { commandTimeoutMs: -1, db: 'x' }, ['redis.commandTimeoutMs', 'redis.db']],
  ])('rejects %s, pointing at it', (_label, options, paths) => {
    expect(issuesOf(options)).toEqual(paths);
  });

  it('takes a cluster, a sentinel setup and durability in the one shape', () => {
    const cluster = normalizeRedisOptions({ cluster: { nodes: ['10.0.0.1:7000', '[::1]:7001', { host: 'n3', port: 7002 }], clusterOptions: { natMap: {} } }, password: 'p' });
    expect(cluster).toMatchObject({
      topology: 'cluster',
      cluster: { nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '::1', port: 7001 }, { host: 'n3', port: 7002 }], clusterOptions: { natMap: {} } },
      password: 'p',
    });
    const sentinel = normalizeRedisOptions({ sentinel: { sentinels: [{ host: 's', port: 26379 }, 's2:26380'], name: 'm', password: 'sp' } });
    expect(sentinel).toMatchObject({ topology: 'sentinel', sentinel: { sentinels: [{ host: 's', port: 26379 }, { host: 's2', port: 26380 }], name: 'm', password: 'sp' } });
    expect(normalizeRedisOptions({ commandTimeoutMs: 1000, durability: { replicas: 1 } }).durability).toEqual({ replicas: 1, timeoutMs: 500 });
    expect(normalizeRedisOptions({ durability: { replicas: 2, timeoutMs: 100 } }).durability).toEqual({ replicas: 2, timeoutMs: 100 });
  });

  it('tells a caller\'s cluster or Sentinel client by its shape, never by its class', () => {
    expect(normalizeRedisOptions({ client: { ...fakeClient, isCluster: true } }).topology).toBe('cluster');
    expect(normalizeRedisOptions({ client: { ...fakeClient, options: { sentinels: [{ host: 'h', port: 1 }] } } }).topology).toBe('sentinel');
    expect(normalizeRedisOptions({ client: fakeClient }).topology).toBe('single');
    expect(redisClientTopology({ options: { sentinels: [] } })).toBe('single');
    expect(redisClientTopology(null)).toBe('single');
  });

  it('parses host:port', () => {
    expect(parseRedisHostPort('h:1')).toEqual({ host: 'h', port: 1 });
    expect(parseRedisHostPort('[fe80::1]:6379')).toEqual({ host: 'fe80::1', port: 6379 });
    for (const bad of ['h', ':1', 'h:0', 'h:65536', 'h:1:2', { host: 'h', port: 1.5 }, { host: 'h' }, 5]) expect(parseRedisHostPort(bad)).toBeUndefined();
  });

  it('reports under the path it is given', () => {
    try {
      normalizeRedisOptions({ db: -1 }, ['options', 'redis']);
      throw new Error('accepted');
    } catch (err) {
      expect((err as MotifsErrorValidation).issues[0]!.path).toEqual(['options', 'redis', 'db']);
      expect((err as Error).message).toBe('invalid Redis options: options.redis.db must be an integer >= 0');
    }
  });
});

describe('openRedisClient', () => {
  class FakeRedis {
    static made: FakeRedis[] = [];
    listeners: Record<string, ((...args: unknown[]) => void)[]> = {};
    connects = 0;
    constructor(readonly url: string, readonly options: Record<string, unknown>) {
      FakeRedis.made.push(this);
    }
    async connect(): Promise<void> {
      this.connects += 1;
      throw new Error('connect ECONNREFUSED');
    }
    on(event: string, fn: (...args: unknown[]) => void): this {
      (this.listeners[event] ??= []).push(fn);
      return this;
    }
  }
  const load = async (): Promise<{ Redis: typeof FakeRedis }> => ({ Redis: FakeRedis });

  it('opens an owned client with the settings every Redis motif relies on, over the caller\'s extras', async () => {
    const settings = normalizeRedisOptions<FakeRedis>({ url: 'redis://h:1/0', commandTimeoutMs: 300, connectTimeoutMs: 700, reconnectMaxDelayMs: 200, username: 'u', password: 'p', db: 2, tls: {}, ioredis: { enableOfflineQueue: true, name: 'mine', lazyConnect: false } });
    const { client, owned } = await openRedisClient(settings, load);
    expect(owned).toBe(true);
    expect(client.url).toBe('redis://h:1/0');
    expect(client.options).toMatchObject({
      name: 'mine',
      username: 'u',
      password: 'p',
      db: 2,
      tls: {},
      lazyConnect: true,
      commandTimeout: 300,
      connectTimeout: 700,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    });
    const retry = client.options.retryStrategy as (times: number) => number;
    for (const times of [1, 5, 50]) expect(retry(times)).toBeLessThanOrEqual(200);
    // A no-op error listener: ioredis would otherwise print every connection error.
    expect(client.listeners.error).toHaveLength(1);
    expect(() => client.listeners.error![0]!(new Error('ECONNREFUSED'))).not.toThrow();
    // It starts connecting without being waited for: a failed attempt does not fail the opening.
    expect(client.connects).toBe(1);
  });

  it('leaves out connection settings nobody gave', () => {
    const options = redisClientOptions(normalizeRedisOptions({}));
    for (const key of ['tls', 'username', 'password', 'db']) expect(options).not.toHaveProperty(key);
  });

  it('uses the caller\'s client as is, without loading the client library', async () => {
    let loaded = false;
    const connection = await openRedisClient(normalizeRedisOptions<FakeRedis>({ client: fakeClient as never }), async () => {
      loaded = true;
      return { Redis: FakeRedis };
    });
    expect(connection).toEqual({ client: fakeClient, owned: false, topology: 'single' });
    expect(loaded).toBe(false);
  });

  class FakeCluster extends FakeRedis {
    constructor(readonly nodes: unknown, options: Record<string, unknown>) {
      super('cluster', options);
    }
  }

  it('opens a Cluster with the same safety settings on every node, over the caller\'s extras', async () => {
    const settings = normalizeRedisOptions<FakeRedis>({
      cluster: { nodes: ['h:1', { host: 'h', port: 2 }], clusterOptions: { scaleReads: 'slave', enableOfflineQueue: true, natMap: { a: 1 } } },
      commandTimeoutMs: 300,
      password: 'p',
      tls: {},
      ioredis: { connectionName: 'n', maxRetriesPerRequest: 5 },
    });
    const { client, owned, topology } = await openRedisClient(settings, async () => ({ Redis: FakeRedis, Cluster: FakeCluster }));
    expect({ owned, topology }).toEqual({ owned: true, topology: 'cluster' });
    expect(client).toBeInstanceOf(FakeCluster);
    expect((client as FakeCluster).nodes).toEqual([{ host: 'h', port: 1 }, { host: 'h', port: 2 }]);
    expect(client.options).toMatchObject({
      natMap: { a: 1 },
      lazyConnect: true,
      // On: with it off ioredis fails calls to a node still connecting as if sent (see the source).
      enableOfflineQueue: true,
      scaleReads: 'master',
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      slotsRefreshInterval: 1000,
      redisOptions: { connectionName: 'n', password: 'p', tls: {}, commandTimeout: 300, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false },
    });
    expect(client.options.redisOptions).not.toHaveProperty('db');
    expect(client.options.redisOptions).not.toHaveProperty('retryStrategy');
    expect((client.options.clusterRetryStrategy as (t: number) => number)(50)).toBeLessThanOrEqual(1000);
    expect(client.listeners.error).toHaveLength(1);
    expect(client.connects).toBe(1);
    expect(redisClusterClientOptions(settings)).toMatchObject({ scaleReads: 'master' });
  });

  it('refuses a cluster when the client library has no Cluster', async () => {
    const settings = normalizeRedisOptions<FakeRedis>({ cluster: { nodes: ['h:1'] } });
    await expect(openRedisClient(settings, async () => ({ Redis: FakeRedis }))).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
  });

  it('opens a Sentinel-backed client that follows the master, TLS and credentials passed through', async () => {
    const settings = normalizeRedisOptions<FakeRedis>({
      sentinel: { sentinels: [{ host: 's', port: 26379 }], name: 'm', password: 'sp', username: 'su' },
      password: 'p',
      db: 1,
      tls: { servername: 'x' },
      reconnectMaxDelayMs: 200,
    });
    const made = FakeRedis.made.length;
    const { client, topology } = await openRedisClient(settings, load);
    expect(topology).toBe('sentinel');
    expect(FakeRedis.made.length).toBe(made + 1);
    // One options argument: ioredis's Sentinel form.
    expect(client.url).toMatchObject({ sentinels: [{ host: 's', port: 26379 }] });
    const options = redisSentinelClientOptions(settings);
    expect(options).toMatchObject({
      sentinels: [{ host: 's', port: 26379 }],
      name: 'm',
      role: 'master',
      sentinelPassword: 'sp',
      sentinelUsername: 'su',
      password: 'p',
      db: 1,
      tls: { servername: 'x' },
      enableTLSForSentinelMode: true,
      sentinelTLS: { servername: 'x' },
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    expect((options.sentinelRetryStrategy as (t: number) => number)(40)).toBeLessThanOrEqual(200);
    expect(options).not.toHaveProperty('failoverDetector');
  });
});
