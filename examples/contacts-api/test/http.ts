// Test helpers: real HTTP requests against a started server.
import type { Logger } from '../src/logger.js';

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: any;
  text: string;
}

export async function http(base: string, method: string, path: string, body?: unknown, raw?: string): Promise<HttpResult> {
  const init: RequestInit = { method, headers: {} };
  if (raw !== undefined) {
    init.body = raw;
    init.headers = { 'content-type': 'application/json' };
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A logger that remembers what it was told. */
export function recordingLogger(): Logger & { infos: string[]; errors: { message: string; err: unknown }[] } {
  const infos: string[] = [];
  const errors: { message: string; err: unknown }[] = [];
  return {
    infos,
    errors,
    info: (message) => void infos.push(message),
    error: (message, err) => void errors.push({ message, err }),
  };
}

/** Collects values pushed to it; `next(predicate)` resolves with the first (past or future) match. */
export function collector<T>(): { push: (value: T) => void; next: (predicate: (value: T) => boolean) => Promise<T>; seen: T[] } {
  const seen: T[] = [];
  const waiters: { predicate: (value: T) => boolean; resolve: (value: T) => void }[] = [];
  return {
    seen,
    push(value) {
      seen.push(value);
      for (const w of waiters.filter((w) => w.predicate(value))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(value);
      }
    },
    next(predicate) {
      const found = seen.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
  };
}

export const ada = { firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10' };
export const charles = { firstName: 'Charles', lastName: 'Babbage', dob: '1791-12-26' };
