import { type MotifsError, sleep } from '@motifs/core/kit';
import type { Consumer } from 'kafkajs';
import { toMotifsError } from './errors.js';

/** What {@link subscribeWithRetry} needs from its listener. */
export interface SubscribeOptions {
  /** Topics, each with where a group new to it starts (fromBeginning). */
  topics: ReadonlyMap<string, boolean>;
  /** Gives up (rethrows) past this time, in ms since the epoch. */
  deadline: number;
  /** For error messages: the listener's channelId. */
  what: string;
  isClosed(): boolean;
  onRetry(error: MotifsError, waitMs: number): void;
}

/**
 * Subscribes, retrying while a topic is still being created: a broker that auto-creates topics
 * answers the first metadata request for a new one with UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function subscribeWithRetry(consumer: Consumer, options: SubscribeOptions): Promise<void> {
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      for (const fromBeginning of [false, true]) {
        const topics = [...options.topics].filter(([, from]) => from === fromBeginning).map(([topic]) => topic);
        if (topics.length) await consumer.subscribe({ topics, fromBeginning });
      }
      return;
    } catch (cause) {
      const err = toMotifsError(cause, `subscribing to ${options.what}`);
      if (!err.retryable || Date.now() + wait > options.deadline || options.isClosed()) throw err;
      options.onRetry(err, wait);
      await sleep(wait);
    }
  }
}
