/**
 * Channel patterns: a listener's `channelId` with glob characters (`*`, `?`, `[`) names every
 * channel it matches. The glob is the project's Redis-style glob (`glob.ts`): `*` matches any run
 * of characters, `.` included (`orders.*` matches `orders.eu.created`), `?` one character.
 *
 * Dead-letter rule: a pattern matches a channel only when both end in the same number of `.dlq`
 * suffixes. So `orders.*` never matches `orders.created.dlq` (its own dead letters), and
 * `orders.*.dlq` reads dead letters without ever matching its own (`orders.created.dlq.dlq`).
 *
 * Reply-channel rule: a channel with a `.reply.` segment (a requester's reply channel,
 * `<channelId>.reply.<id>`) is matched only by a pattern that has a `.reply.` segment itself, so
 * `orders.*` never reads the replies of requests made on `orders.created`.
 */
import { MotifsErrorValidation } from '../errors.js';
import { compileGlob } from '../glob.js';

const GLOB_CHARS = /[*?[]/;
const DLQ_SUFFIX = '.dlq';
const REPLY_SEGMENT = '.reply.';

/**
 * Whether `channelId` is a pattern: it contains `*`, `?` or `[` (such a name is never one channel).
 * @example
 * isChannelPattern('orders.*'); // true
 * isChannelPattern('orders');   // false
 */
export function isChannelPattern(channelId: string): boolean {
  return GLOB_CHARS.test(channelId);
}

/** How many `.dlq` suffixes `name` ends with (`a.dlq.dlq` -> 2). */
export function deadLetterDepth(name: string): number {
  let depth = 0;
  let end = name.length;
  while (end >= DLQ_SUFFIX.length && name.startsWith(DLQ_SUFFIX, end - DLQ_SUFFIX.length)) {
    depth++;
    end -= DLQ_SUFFIX.length;
  }
  return depth;
}

/**
 * A matcher for a channel pattern, with the dead-letter rule above applied.
 * @throws MotifsErrorValidation for a glob backends would not match alike (see `assertGlob`)
 * @example
 * const m = compileChannelPattern('orders.*');
 * m('orders.created');     // true
 * m('orders.created.dlq'); // false: a dead-letter channel of a matched channel
 */
export function compileChannelPattern(pattern: string): (channelId: string) => boolean {
  const glob = compileGlob(pattern);
  const depth = deadLetterDepth(pattern);
  const replies = pattern.includes(REPLY_SEGMENT);
  return (channelId) => !isChannelPattern(channelId) && deadLetterDepth(channelId) === depth && channelId.includes(REPLY_SEGMENT) === replies && glob(channelId);
}

/**
 * Throws when `channelId` is a pattern where one channel is needed (publishing, a dead-letter channel).
 * @throws MotifsErrorValidation
 */
export function assertNotChannelPattern(channelId: string, what = 'channelId'): void {
  if (!isChannelPattern(channelId)) return;
  throw new MotifsErrorValidation(`${what} ${JSON.stringify(channelId)} is a pattern (it contains * ? or [): name one channel`, {
    issues: [{ path: what.split('.'), message: 'a pattern is not a channel' }],
    details: { channelId },
  });
}

/**
 * The error a listener kind without pattern subscriptions throws at make time for a pattern.
 * @example
 * if (isChannelPattern(channelId)) throw patternUnsupported('redis', channelId);
 */
export function patternUnsupported(kind: string, channelId: string): MotifsErrorValidation {
  return new MotifsErrorValidation(`listener kind "${kind}" does not support pattern subscriptions; channelId ${JSON.stringify(channelId)} contains * ? or [`, {
    issues: [{ path: ['channelId'], message: 'pattern subscriptions are not supported by this kind' }],
    details: { channelId, kind, reason: 'pattern-unsupported' },
  });
}
