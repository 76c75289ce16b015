import { RedisCacher } from './redis-cacher.js';
import type { RedisCacherFactoryOptions, RedisCacherOptions } from './options.js';

/**
 * The factory `makeCacher({ kind: 'redis', ... })` calls.
 * @example
 * const cacher = await createCacher({ kind: 'redis', namespace: 'app', redis: { url: 'redis://127.0.0.1:6379' } });
 */
export async function createCacher(options: RedisCacherFactoryOptions = {}): Promise<RedisCacher> {
  const cacher = new RedisCacher({ ...options.redis, namespace: options.namespace });
  await cacher.expiryEventsReady();
  return cacher;
}

/**
 * Builds a Redis cacher directly (tree-shakable; no registry lookup).
 * @example
 * const cacher = createRedisCacher({ namespace: 'contacts', url: process.env.REDIS_URL });
 * await cacher.setItem('contacts/1', { name: 'Ada' }, 60_000);
 */
export function createRedisCacher(options: RedisCacherOptions & { namespace?: string } = {}): RedisCacher {
  return new RedisCacher(options);
}
