import { normalizeRedisOptions, normalizeRepoSettings, openRedisClient, type IBaseDto, type IRepo } from '@motifs/core/kit';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { RedisRepoOptions } from './options.js';
import { RedisRepo } from './redis-repo.js';

/**
 * The factory `makeRepo({ kind: 'redis', ... })` calls; the same as {@link createRedisRepo}.
 * @throws MotifsErrorValidation for bad options
 */
export async function createRepo<T extends IBaseDto = IBaseDto>(options: RedisRepoOptions): Promise<IRepo<T>> {
  return createRedisRepo<T>(options);
}

/**
 * Builds a Redis repo directly (tree-shakable, no registry lookup). ioredis is loaded only when the
 * repo opens its own connection; that connection is made by the first call, so this resolves even
 * while Redis is down.
 * @throws MotifsErrorValidation for bad options (nothing is opened)
 * @example
 * const contacts = await createRedisRepo<IContact>({ name: 'contacts', indexes: ['lastName'], redis: { url: 'redis://127.0.0.1:6379' } });
 * await contacts.create({ firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10' });
 * await contacts.findMany({ lastName: 'Lovelace' });
 * await contacts.close();
 */
export async function createRedisRepo<T extends IBaseDto = IBaseDto>(options: Omit<RedisRepoOptions, 'kind'> & { kind?: 'redis' }): Promise<RedisRepo<T>> {
  // Validate everything before opening a client, so bad options leave nothing to close.
  normalizeRepoSettings(options);
  const settings = normalizeRedisOptions<Redis | Cluster, RedisOptions, Partial<ClusterOptions>>(options?.redis);
  const connection = await openRedisClient<Redis | Cluster>(settings, () => import('ioredis'));
  // The module that made a client the repo opened (already loaded): its Command class, to send the hot commands with.
  const command = connection.owned ? (await import('ioredis')).Command : undefined;
  return new RedisRepo<T>({ ...options, kind: 'redis' }, { ...connection, commandTimeoutMs: settings.commandTimeoutMs, durability: settings.durability, autoPipelining: settings.autoPipelining, command });
}
