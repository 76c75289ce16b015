/** How long {@link eventually} polls, and what it names in its error. */
export interface EventuallyOptions {
  /** Give up after this long (default 10 000 ms). A safety net, never what a test asserts. */
  timeoutMs?: number;
  /** What the test waits for, quoted in the timeout error, e.g. `'the dead letter'`. */
  what?: string;
  /** Pause between checks (default 10 ms). */
  intervalMs?: number;
}

/**
 * Polls `check` until it returns true; rejects with an error naming `what` after `timeoutMs`.
 * Use it for effects that land in the background (an expiry, a delivered message, an event): the
 * test then asserts on what happened, not on how long it took. An error `check` throws rejects at once.
 * @example
 * await eventually(() => received.length >= 3, { what: 'three messages', timeoutMs: 20_000 });
 * await eventually(async () => !(await cacher.hasItem('k')), { what: 'k expires' });
 */
export async function eventually(check: () => boolean | Promise<boolean>, options: EventuallyOptions = {}): Promise<void> {
  const { timeoutMs = 10_000, what = 'the condition', intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A promise with its `resolve` and `reject` handed out; see {@link deferred}. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * A promise settled from outside: hold a loader or a handler open while the test does something
 * else, then let it go.
 * @example
 * const held = deferred();
 * listener.onMessage(async () => { await held.promise; });
 * // ... close() must wait here ...
 * held.resolve();
 */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Lets already-queued callbacks run (event listeners, a background refresh that is ready) by
 * yielding to the event loop `rounds` times. It does not wait for timers.
 * @example
 * cacher.em.on('hit', listener);
 * await cacher.getItem('k');
 * await settle();
 */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
