import type { IListener } from '@motifs/core';
import {
  DEAD_LETTER_HEADERS,
  type DeadLetter,
  type DeadLetterReason,
  type DispatchOutcome,
  type MotifsError,
  MotifsErrorDeadLetter,
  type RawMessage,
  deadLetterHeaders,
  emitSafe,
  encodeStreamEntry,
  stringOf,
} from '@motifs/core/kit';
import type { RedisIo } from './io.js';
import { offsetToStreamId } from './offset.js';
import { DEAD_LETTER_SCRIPT } from './scripts.js';

/** Where a listener's dead letters go and how it reports them. */
export interface DeadLetterTarget {
  io: RedisIo;
  sourceKey: string;
  deadLetterKey: string;
  /** The consumer group whose entry is acknowledged with the letter (undefined in broadcast mode). */
  group: string | undefined;
}

/**
 * Writes `letter` to the dead-letter stream and, in group mode, acknowledges the original entry
 * (named by the letter's source-offset header) in the same script.
 */
export async function writeDeadLetter(target: DeadLetterTarget, letter: DeadLetter): Promise<void> {
  const offset = letter.headers[DEAD_LETTER_HEADERS.offset];
  const id = target.group !== undefined && offset !== undefined ? offsetToStreamId(offset) : '';
  const fields = encodeStreamEntry({ value: stringOf(letter.value) ?? 'null', key: stringOf(letter.key), headers: letter.headers });
  await target.io.run(
    'dead-letter',
    () => target.io.client.eval(DEAD_LETTER_SCRIPT, 2, target.sourceKey, target.deadLetterKey, target.group ?? '', id, ...fields),
    { idempotent: false, details: { deadLetterKey: target.deadLetterKey } },
  );
}

/** What {@link deadLetterEntry} needs of a listener. */
export interface DeadLetterReporter {
  channelId: string;
  deadLetterChannelId: string;
  em: IListener['em'];
  send(letter: DeadLetter): Promise<void>;
  report(err: unknown): Promise<void>;
}

/**
 * Dead-letters an entry the listener rejects itself, without calling handlers (an entry that is
 * not a motifs message, or one delivered more than `maxDeliveries` times), with the same headers,
 * event and `onError` report as the shared dispatcher's dead letters.
 */
export async function deadLetterEntry(
  to: DeadLetterReporter,
  raw: RawMessage,
  reason: DeadLetterReason,
  error: MotifsError,
  attempts: number,
): Promise<DispatchOutcome> {
  const { channelId, deadLetterChannelId } = to;
  Object.assign(error.details, { channelId, partition: raw.partition, offset: raw.offset, attempts, deadLetterChannelId });
  const headers = deadLetterHeaders(raw, { channelId, reason, error, attempts });
  try {
    await to.send({ channelId: deadLetterChannelId, value: raw.value, key: raw.key, headers, reason, error });
  } catch (cause) {
    await to.report(
      new MotifsErrorDeadLetter(`could not write ${channelId}@${raw.offset} to dead-letter channel ${deadLetterChannelId}; it will be redelivered: ${(cause as Error).message}`, {
        cause,
        details: { channelId, partition: raw.partition, offset: raw.offset, deadLetterChannelId, original: error },
      }),
    );
    return 'redeliver';
  }
  emitSafe(to.em, 'dead-letter', { channelId, deadLetterChannelId, partition: raw.partition, offset: raw.offset, reason, error });
  await to.report(error);
  return 'dead-lettered';
}
