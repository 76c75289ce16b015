/**
 * A stream entry id (`<ms>-<seq>`) as a message offset. Handlers and dead letters see offsets as
 * decimal integers on every channel kind, growing with the log: for a stream entry it is
 * `ms * 2^64 + seq`, which keeps the order of ids and converts back exactly.
 */
import { MotifsErrorValidation } from '@motifs/core/kit';

const SHIFT = 64n;
const SEQ_MASK = (1n << SHIFT) - 1n;

/**
 * The offset of a stream entry id.
 * @example
 * streamIdToOffset('1-2') // '18446744073709551618'
 */
export function streamIdToOffset(id: string): string {
  const dash = id.indexOf('-');
  return ((BigInt(id.slice(0, dash)) << SHIFT) + BigInt(id.slice(dash + 1))).toString();
}

/**
 * The stream entry id of an offset ({@link streamIdToOffset} reversed).
 * @throws MotifsErrorValidation when `offset` is not a decimal integer >= 0
 * @example
 * offsetToStreamId('18446744073709551618') // '1-2'
 */
export function offsetToStreamId(offset: string): string {
  if (!/^\d{1,40}$/.test(offset)) {
    throw new MotifsErrorValidation(`offset must be a decimal integer, got ${JSON.stringify(offset)}`, { issues: [{ path: ['offset'], message: 'not an offset' }] });
  }
  const n = BigInt(offset);
  return `${n >> SHIFT}-${n & SEQ_MASK}`;
}
