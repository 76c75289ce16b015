import { type IListener, type IPublisher, isChannelPattern } from '@motifs/core/kit';
import { KafkaListener } from './listener.js';
import type { KafkaMotifOptions } from './options.js';
import { KafkaPatternListener } from './pattern-listener.js';
import { KafkaPublisher } from './publisher.js';

/**
 * What `makeListener({ kind: 'kafka', ... })` calls.
 * @example
 * const listener = createListener<Contact>({ channelId: 'contacts', kafka: { url: 'localhost:9092', groupId: 'mailer' } });
 */
export function createListener<T = unknown>(options: KafkaMotifOptions<T>): IListener<T> {
  return createKafkaListener<T>(options);
}

/** What `makePublisher({ kind: 'kafka', ... })` calls. */
export function createPublisher<T = unknown>(options: KafkaMotifOptions<T>): IPublisher<T> {
  return new KafkaPublisher<T>(options);
}

/**
 * A Kafka listener (typed as the class, so `groupId` and `deadLetterTopic` are visible). A pattern
 * `channelId` (`orders.*`) gives a {@link KafkaPatternListener} on every matching topic.
 * @example
 * const listener = createKafkaListener<Contact>({ channelId: 'contacts', kafka: { url: 'localhost:9092' } });
 * listener.onMessage(async (contact, { key }) => console.log(key, contact));
 * await listener.listen();
 */
export function createKafkaListener<T = unknown>(options: KafkaMotifOptions<T>): KafkaListener<T> {
  const pattern = options !== null && typeof options === 'object' && typeof options.channelId === 'string' && isChannelPattern(options.channelId);
  return pattern ? new KafkaPatternListener<T>(options) : new KafkaListener<T>(options);
}

/**
 * A Kafka publisher (idempotent producer).
 * @example
 * const publisher = createKafkaPublisher<Contact>({ channelId: 'contacts', kafka: { url: 'localhost:9092' } });
 * await publisher.publish({ id: '1' }, { key: '1' });
 */
export function createKafkaPublisher<T = unknown>(options: KafkaMotifOptions<T>): KafkaPublisher<T> {
  return new KafkaPublisher<T>(options);
}
