import { decodeJson } from '../codec.js';

/**
 * A backend read of an entry past its expiry but inside its stale window: only `getOrSet` serves it,
 * every other read treats it as missing.
 */
export class StaleValue {
  constructor(readonly value: unknown) {}
}

/** First character of a stored text that carries a freshness deadline; JSON text never starts with NUL. */
const STALE_MARK = '\u0000';

/**
 * The stored text of an entry kept past its expiry for stale-while-revalidate:
 * `NUL <freshUntil ms> NUL <json>`. Plain entries are stored as bare JSON.
 */
export function wrapStaleText(encoded: string, freshUntil: number): string {
  return `${STALE_MARK}${freshUntil}${STALE_MARK}${encoded}`;
}

/** Decodes stored text: the value, a {@link StaleValue} once its freshness deadline passed. */
export function decodeStoredText(text: string, now = Date.now()): unknown {
  if (text.charCodeAt(0) !== 0) return decodeJson(text);
  const end = text.indexOf(STALE_MARK, 1);
  const value = decodeJson(text.slice(end + 1));
  return now < Number(text.slice(1, end)) ? value : new StaleValue(value);
}

/** Whether stored text (or its first 32 characters) is fresh, without decoding the value. */
export function isStoredTextFresh(head: string, now = Date.now()): boolean {
  if (head.length === 0) return false;
  if (head.charCodeAt(0) !== 0) return true;
  const end = head.indexOf(STALE_MARK, 1);
  return end > 0 && now < Number(head.slice(1, end));
}

/** How many leading characters {@link isStoredTextFresh} needs. */
export const STORED_HEAD_LENGTH = 32;

// The write time of an entry travels as JSON whitespace after the value: any JSON parser (an
// earlier motifs version, a raw `GET` + `JSON.parse`) reads the value unchanged, and a read costs
// no extra work. JSON text from the codec never ends in whitespace, so the stamp cannot be confused
// with the value.

/** JSON's four whitespace characters: the digits of the base-4 write time. */
const WS = [' ', '\t', '\n', '\r'] as const;
/** Opens the stamp: it tells a stamp from whitespace some other writer left. */
const STAMP_OPEN = '\r\t';
/** Base-4 digits of the write time: 4^22 ms reaches past the year 2500. */
const STAMP_DIGITS = 22;
/** Two base-4 digits at a time, the lower first. */
const WS_PAIRS = Array.from({ length: 16 }, (_, d) => WS[d % 4]! + WS[d >> 2]!);
/** Characters the stamp adds to a stored value. */
export const WRITE_STAMP_LENGTH = STAMP_OPEN.length + STAMP_DIGITS;

/**
 * The JSON text of a value followed by its write time as trailing whitespace (see
 * {@link readWriteStamp}). `JSON.parse` of the result gives the value.
 * @example
 * JSON.parse(stampWriteTime('{"a":1}', Date.now())) // { a: 1 }
 */
export function stampWriteTime(encoded: string, writtenAt: number): string {
  let stamp = STAMP_OPEN;
  let rest = Math.max(0, Math.floor(writtenAt));
  for (let i = 0; i < STAMP_DIGITS / 2; i++) {
    stamp += WS_PAIRS[rest % 16];
    rest = Math.floor(rest / 16);
  }
  return encoded + stamp;
}

/** The write time {@link stampWriteTime} appended to `text`, or undefined when there is none. */
export function readWriteStamp(text: string): number | undefined {
  const start = text.length - WRITE_STAMP_LENGTH;
  if (start < 1 || text.charCodeAt(start) !== 13 || text.charCodeAt(start + 1) !== 9) return undefined;
  let writtenAt = 0;
  for (let i = text.length - 1; i >= start + STAMP_OPEN.length; i--) {
    const digit = WS.indexOf(text[i] as (typeof WS)[number]);
    if (digit < 0) return undefined;
    writtenAt = writtenAt * 4 + digit;
  }
  return writtenAt;
}

/**
 * The stored text of an entry: the value's JSON with its write time stamped on, inside the
 * stale-while-revalidate header when it has a stale window (`freshUntil`).
 */
export function wrapStoredText(encoded: string, writtenAt: number, freshUntil?: number): string {
  const stamped = stampWriteTime(encoded, writtenAt);
  return freshUntil === undefined ? stamped : wrapStaleText(stamped, freshUntil);
}

/** A stored entry decoded with its metadata; see {@link decodeStoredEntry}. */
export interface StoredEntry {
  /** A fresh copy of the value. */
  value: unknown;
  /** Past its expiry, inside its stale window. */
  stale: boolean;
  /** When it was written (ms since the epoch), if the entry says (entries of earlier versions do not). */
  writtenAt?: number;
}

/** Decodes stored text with its metadata. */
export function decodeStoredEntry(text: string, now = Date.now()): StoredEntry {
  const decoded = decodeStoredText(text, now);
  const writtenAt = readWriteStamp(text);
  const entry: StoredEntry = decoded instanceof StaleValue ? { value: decoded.value, stale: true } : { value: decoded, stale: false };
  if (writtenAt !== undefined) entry.writtenAt = writtenAt;
  return entry;
}
