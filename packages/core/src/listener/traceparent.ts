/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header a message
 * carries from `publish()` to its handler, so a trace spans the producer and the consumer.
 */
import { MotifsErrorValidation } from '../errors.js';
import { describeType } from '../keys.js';

/** The message header that carries the W3C trace context. */
export const TRACEPARENT_HEADER = 'traceparent';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Whether `value` is a W3C `traceparent` (`00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`,
 * lower-case, ids not all zero, version not `ff`; a later version may append fields).
 */
export function isTraceparent(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 512) return false;
  const m = TRACEPARENT.exec(value);
  if (!m) return false;
  const [, version, traceId, parentId, , rest] = m;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return false;
  // Version 00 has exactly four fields; only a later version may carry more.
  return version !== '00' || rest === undefined;
}

/**
 * Throws unless `value` is a W3C `traceparent` (see {@link isTraceparent}).
 * @throws MotifsErrorValidation naming `what`
 * @example
 * assertTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 */
export function assertTraceparent(value: unknown, what = 'traceparent'): asserts value is string {
  if (isTraceparent(value)) return;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : describeType(value);
  throw new MotifsErrorValidation(`${what} must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>), got ${shown}`, {
    issues: [{ path: what.split('.'), message: 'not a W3C traceparent' }],
  });
}
