import type { ICacher } from '@motifs/core';
import type { TestApi } from '../runner.js';

/** Builds the cacher under test. Calls with different namespaces must share one backend. */
export type CacherFactory = (settings: { namespace: string }) => Promise<ICacher>;

/** What an adapter declares it can do; groups of the contract switch on these. */
export interface CacherCapabilities {
  /** The adapter emits `expire` by itself when a key's time is up (memory: yes; redis: opt-in). */
  expireEvents?: boolean;
}

/** What every group of the cacher contract receives. */
export interface CacherSuiteContext {
  api: TestApi;
  /** A fresh cacher in its own namespace, closed and emptied after each test. */
  open(namespace?: string): Promise<ICacher>;
  /** The factory as given, for tests that expect it to refuse options. */
  make: CacherFactory;
  capabilities: CacherCapabilities;
}

/** Polls `check` until it holds; the clock is only a safety net, never what the test asserts. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A promise settled from outside, to hold a loader open while callers pile up. */
export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending callbacks (background refreshes, event listeners) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
