import { openRedisClient } from '@motifs/core/kit';
import type { Cluster, Redis } from 'ioredis';
import { normalizeRedisCacherOptions, type RedisCacherFactoryOptions, type RedisCacherSettings } from './options.js';
import { RedisCacher } from './redis-cacher.js';

/**
 * Builds a Redis cacher (tree-shakable; no registry lookup). ioredis is loaded only when the cacher
 * opens its own connection; that connection is made by the first call, so this resolves even
 * while Redis is down. With `redis.expiryEvents` it resolves once `expire` events flow (waiting
 * at most `commandTimeoutMs`).
 * @throws MotifsErrorValidation for bad options (nothing is opened)
 * @example
 * const cacher = await createRedisCacher({ namespace: 'contacts', redis: { url: process.env.REDIS_URL, commandTimeoutMs: 500 } });
 * const onCluster = await createRedisCacher({ namespace: 'contacts', redis: { cluster: { nodes: ['10.0.0.1:6379'] } } });
 * await cacher.setItem('contacts/1', { name: 'Ada' }, 60_000);
 * await cacher.close();
 */
export async function createRedisCacher(options: Omit<RedisCacherFactoryOptions, 'kind'> & { kind?: 'redis' } = {}): Promise<RedisCacher> {
  const settings = normalizeRedisCacherOptions(options?.redis);
  const connection = await openRedisClient<Redis | Cluster>(withClusterAutoPipelining(settings), () => import('ioredis'));
  let cacher: RedisCacher;
  try {
    cacher = new RedisCacher(options, connection);
  } catch (error) {
    // A bad namespace is found by the cacher itself: the connection opened for it must not linger.
    if (connection.owned) connection.client.disconnect();
    throw error;
  }
  await cacher.expiryEventsReady();
  return cacher;
}

/**
 * On a Redis Cluster, `autoPipelining` is ioredis' own `enableAutoPipelining` (one pipeline per
 * master, see `RedisCacherOptions.autoPipelining`); one node or Sentinel are corked by the cacher.
 */
function withClusterAutoPipelining(settings: RedisCacherSettings): RedisCacherSettings {
  if (!settings.cluster) return settings;
  const clusterOptions = { ...settings.cluster.clusterOptions, enableAutoPipelining: settings.autoPipelining };
  return { ...settings, cluster: { ...settings.cluster, clusterOptions } };
}

/**
 * The factory `makeCacher({ kind: 'redis', ... })` calls; the same as {@link createRedisCacher}.
 * @example
 * const cacher = await makeCacher({ kind: 'redis', namespace: 'app', redis: { url: 'redis://127.0.0.1:6379' } });
 */
export async function createCacher(options: RedisCacherFactoryOptions = {}): Promise<RedisCacher> {
  return createRedisCacher(options);
}
