import type { IListener, IPublisher } from '@motifs/core/kit';
import { RedisListener } from './listener.js';
import type { RedisMotifOptions } from './options.js';
import { RedisPublisher } from './publisher.js';

/**
 * What `makeListener({ kind: 'redis', ... })` calls.
 * @example
 * const listener = createListener<Contact>({ channelId: 'contacts', redis: { url: 'redis://127.0.0.1:6379', groupId: 'mailer' } });
 */
export function createListener<T = unknown>(options: RedisMotifOptions<T>): IListener<T> {
  return new RedisListener<T>(options);
}

/** What `makePublisher({ kind: 'redis', ... })` calls. */
export function createPublisher<T = unknown>(options: RedisMotifOptions<T>): IPublisher<T> {
  return new RedisPublisher<T>(options);
}

/**
 * A Redis Streams listener (typed as the class, so `groupId`, `streamKey` and `consumerName` are visible).
 * @example
 * const listener = createRedisListener<Contact>({ channelId: 'contacts', redis: { url: 'redis://127.0.0.1:6379' } });
 * listener.onMessage(async (contact, { key }) => console.log(key, contact));
 * await listener.listen();
 */
export function createRedisListener<T = unknown>(options: RedisMotifOptions<T>): RedisListener<T> {
  return new RedisListener<T>(options);
}

/**
 * A Redis Streams publisher.
 * @example
 * const publisher = createRedisPublisher<Contact>({ channelId: 'contacts', redis: { url: 'redis://127.0.0.1:6379' } });
 * await publisher.publish({ id: '1' }, { key: '1' });
 */
export function createRedisPublisher<T = unknown>(options: RedisMotifOptions<T>): RedisPublisher<T> {
  return new RedisPublisher<T>(options);
}
