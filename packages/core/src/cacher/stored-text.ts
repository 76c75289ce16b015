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
