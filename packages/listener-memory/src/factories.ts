import type { IListener, IPublisher } from '@motifs/core/kit';
import { MemoryListener } from './listener.js';
import type { MemoryMotifOptions } from './options.js';
import { MemoryPublisher } from './publisher.js';

/**
 * What `makeListener({ kind: 'memory', ... })` calls.
 * @example
 * const listener = createListener<Contact>({ channelId: 'contacts', memory: { groupId: 'mailer' } });
 */
export function createListener<T = unknown>(options: MemoryMotifOptions<T>): IListener<T> {
  return new MemoryListener<T>(options);
}

/** What `makePublisher({ kind: 'memory', ... })` calls. */
export function createPublisher<T = unknown>(options: MemoryMotifOptions<T>): IPublisher<T> {
  return new MemoryPublisher<T>(options);
}

/**
 * An in-memory listener (typed as the class, so `groupId` and `deadLetterChannelId` are visible).
 * @example
 * const listener = createMemoryListener<Contact>({ channelId: 'contacts' });
 * listener.onMessage(async (contact) => console.log(contact));
 * await listener.listen();
 */
export function createMemoryListener<T = unknown>(options: MemoryMotifOptions<T>): MemoryListener<T> {
  return new MemoryListener<T>(options);
}

/**
 * An in-memory publisher.
 * @example
 * await createMemoryPublisher<Contact>({ channelId: 'contacts' }).publish({ id: '1' }, { key: '1' });
 */
export function createMemoryPublisher<T = unknown>(options: MemoryMotifOptions<T>): MemoryPublisher<T> {
  return new MemoryPublisher<T>(options);
}
