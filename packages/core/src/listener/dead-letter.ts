/** Dead letters: where a message goes when it cannot be delivered, and the headers that say why. */
import type { MotifsError } from '../errors.js';

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

/** Default dead-letter channel of a channel. */
export function defaultDeadLetterChannel(channelId: string): string {
  return `${channelId}.dlq`;
}

/** Name of the `em` event for a message given up by `close()`; its payload is an `AbandonedMessage`. */
export const ABANDONED_EVENT = 'abandoned';
