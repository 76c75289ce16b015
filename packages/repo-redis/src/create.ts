import { REDIS_RECONNECT_DEFAULTS, normalizeRepoSettings, redisReconnectDelayMs, type IBaseDto, type IRepo } from '@motifs/core/kit';
import { RedisRepo, normalizeTimeout } from './redis-repo.js';
import type { RedisRepoOptions } from './options.js';

/**
 * The factory `makeRepo({ kind: 'redis', ... })` calls. Loads ioredis only when it has to create
 * a client; the connection is opened by the first call, so this resolves even if Redis is down.
 * @throws MotifsErrorValidation for bad options
 */
export async function createRepo<T extends IBaseDto = IBaseDto>(options: RedisRepoOptions): Promise<IRepo<T>> {
  return createRedisRepo<T>(options);
}

/**
 * Builds a Redis repo directly (tree-shakable, no registry lookup).
 * @example
 * const contacts = await createRedisRepo<IContact>({ name: 'contacts', indexes: ['lastName'], redis: { url: 'redis://127.0.0.1:6379' } });
 * await contacts.create({ firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10' });
 * await contacts.findMany({ lastName: 'Lovelace' });
 * await contacts.close();
 */
export async function createRedisRepo<T extends IBaseDto = IBaseDto>(options: Omit<RedisRepoOptions, 'kind'> & { kind?: 'redis' }): Promise<RedisRepo<T>> {
  const redis = options?.redis ?? {};
  const commandTimeoutMs = normalizeTimeout(redis.commandTimeoutMs);
  const connectTimeoutMs = normalizeTimeout(redis.connectTimeoutMs, 'connectTimeoutMs', REDIS_RECONNECT_DEFAULTS.connectTimeoutMs);
  const reconnectMaxDelayMs = normalizeTimeout(redis.reconnectMaxDelayMs, 'reconnectMaxDelayMs', REDIS_RECONNECT_DEFAULTS.reconnectMaxDelayMs);
  if (redis.client) return new RedisRepo<T>({ ...options, kind: 'redis' }, { client: redis.client, owned: false });
  // Validate before creating a client, so bad options leave nothing to close.
  normalizeRepoSettings(options);
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    // A call goes to a ready connection or fails unsent (the repo waits for readiness itself), and
    // a write whose connection drops is never sent again by the client: a resent create would
    // report its own success as a conflict. Such a failure is reported as outcome-unknown instead.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times: number) => redisReconnectDelayMs(times, reconnectMaxDelayMs),
  });
  // Connection errors reach callers as MotifsErrorUnavailable; without a listener ioredis would print them.
  client.on('error', () => undefined);
  return new RedisRepo<T>({ ...options, kind: 'redis' }, { client, owned: true });
}
