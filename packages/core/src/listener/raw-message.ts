/** A message as a transport hands it over, and the context its handlers receive. */
import type { MessageContext } from '../listener.js';
import { TRACEPARENT_HEADER, isTraceparent } from './traceparent.js';

/** One message as a channel hands it over, before decoding. */
export interface RawMessage {
  /**
   * The channel the message was read from, when a listener reads several (a pattern
   * subscription); default the listener's own `channelId`.
   */
  channelId?: string;
  value: Buffer | string | null;
  key?: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined;
  partition: number;
  offset: string;
  /** ms since the epoch, as a number or a decimal string (Kafka). */
  timestamp?: number | string | undefined;
}

/** A Buffer or string as text (UTF-8); `undefined` for null or undefined. */
export const stringOf = (v: Buffer | string | null | undefined): string | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'string' ? v : v.toString('utf8');

/** Header values as strings. */
export function headerStrings(raw: RawMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const name of Object.keys(raw)) {
    const v = raw[name];
    if (v === undefined) continue;
    // A repeated header keeps its last value, as most HTTP-style consumers expect.
    out[name] = stringOf(Array.isArray(v) ? v[v.length - 1] : v) ?? '';
  }
  return out;
}

/** The handler's context of a message, on its first attempt. */
export function contextOf(channelId: string, raw: RawMessage): MessageContext {
  const t = raw.timestamp;
  const headers = headerStrings(raw.headers);
  const traceparent = headers[TRACEPARENT_HEADER];
  // A plain object, so spreading or logging it shows every field.
  return {
    channelId: raw.channelId ?? channelId,
    partition: raw.partition,
    offset: raw.offset,
    key: stringOf(raw.key),
    headers,
    attempt: 1,
    timestamp: t === undefined ? undefined : Number(t),
    // A malformed header from a foreign producer is not a trace to continue.
    traceparent: isTraceparent(traceparent) ? traceparent : undefined,
  };
}
