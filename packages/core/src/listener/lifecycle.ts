/** Small lifecycle helpers every listener and publisher uses. */
import { type MotifsError, MotifsErrorUnavailable } from '../errors.js';

/**
 * Wraps a start-up function so calling it twice shares one run, and its rejection (still seen by
 * callers who await) is marked handled, so `listen()` may be called without awaiting it.
 */
export function shareOnce(run: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    if (!pending) {
      pending = run();
      pending.catch(() => {
        pending = undefined; // a failed start may be tried again
      });
    }
    return pending;
  };
}

/** The error `publish()` / `listen()` throw once `close()` was called. */
export function closedError(what: string, channelId: string): MotifsError {
  return new MotifsErrorUnavailable(`${what} for "${channelId}" is closed`, { retryable: false, details: { channelId } });
}

/** Resolves `'timeout'` after `ms` (unref'd: it never keeps a process alive on its own). */
export function timeoutAfter(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), ms);
    t.unref?.();
  });
}

/**
 * `work`'s result, or `'timeout'` after `ms`. The timer is ref'd, since close() awaits it (a process
 * with nothing else to do must not exit mid-close()), and cleared as soon as `work` settles, so it
 * never holds a process up afterwards.
 */
export async function within<R>(work: Promise<R>, ms: number): Promise<R | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([work, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
