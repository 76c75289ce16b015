/** Dead letters: where a message goes when it cannot be delivered, and the headers that say why. */
import type { MotifsError } from '../errors.js';
import { type RawMessage, headerStrings } from './raw-message.js';

/** Header names on a dead-lettered message (the original headers are kept too). */
export const DEAD_LETTER_HEADERS = Object.freeze({
  error: 'motifs-dlq-error',
  code: 'motifs-dlq-error-code',
  reason: 'motifs-dlq-reason',
  sourceTopic: 'motifs-dlq-source-topic',
  partition: 'motifs-dlq-source-partition',
  offset: 'motifs-dlq-source-offset',
  attempts: 'motifs-dlq-attempts',
  failedAt: 'motifs-dlq-failed-at',
});

/** Why a message was dead-lettered. */
export type DeadLetterReason = 'handler' | 'decode' | 'schema';

/** A message on its way to the dead-letter channel: the original bytes, key and headers, plus why. */
export interface DeadLetter {
  /** The dead-letter channel (topic) to write to. */
  channelId: string;
  value: Buffer | string | null;
  key: Buffer | string | null | undefined;
  headers: Record<string, string>;
  reason: DeadLetterReason;
  error: MotifsError;
}

/**
 * The headers of a dead letter: the original message's headers plus the `motifs-dlq-*` ones that
 * say where it came from and why. Every transport writes these, so a dead-letter consumer reads
 * the same fields whatever the channel kind.
 * @example
 * const headers = deadLetterHeaders(raw, { channelId: 'orders', reason: 'handler', error, attempts: 3 });
 */
export function deadLetterHeaders(raw: RawMessage, o: { channelId: string; reason: DeadLetterReason; error: MotifsError; attempts: number }): Record<string, string> {
  const headers = headerStrings(raw.headers);
  headers[DEAD_LETTER_HEADERS.error] = o.error.message.slice(0, 2000);
  headers[DEAD_LETTER_HEADERS.code] = String(o.error.code);
  headers[DEAD_LETTER_HEADERS.reason] = o.reason;
  headers[DEAD_LETTER_HEADERS.sourceTopic] = o.channelId;
  headers[DEAD_LETTER_HEADERS.partition] = String(raw.partition);
  headers[DEAD_LETTER_HEADERS.offset] = raw.offset;
  headers[DEAD_LETTER_HEADERS.attempts] = String(o.attempts);
  headers[DEAD_LETTER_HEADERS.failedAt] = new Date().toISOString();
  return headers;
}

/** Default dead-letter channel of a channel. */
export function defaultDeadLetterChannel(channelId: string): string {
  return `${channelId}.dlq`;
}

/** Name of the `em` event for a message given up by `close()`; its payload is an `AbandonedMessage`. */
export const ABANDONED_EVENT = 'abandoned';
