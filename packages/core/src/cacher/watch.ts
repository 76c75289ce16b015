import type { CacherChange, CacherWatch, CacherWatchHandler } from '../cacher.js';
import { MotifsErrorUnavailable, MotifsErrorValidation } from '../errors.js';
import { assertGlob, compileGlob, escapeGlob } from '../glob.js';
import { assertKey, describeType } from '../keys.js';
import { assertPrefix } from './validation.js';

/** Delivers one backend change by full (namespaced) key; keys of other namespaces are ignored. */
export type ChangeSink = (type: CacherChange['type'], fullKey: string) => void;

/** Stops a change feed opened by `CacherBase.openChangeFeed`. */
export type ChangeFeedStop = () => Promise<void> | void;

/**
 * The error a cacher feature rejects with on a backend that cannot provide it
 * (`details: { reason: 'unsupported', feature }`, not retryable).
 */
export function unsupportedFeature(feature: string): MotifsErrorUnavailable {
  return new MotifsErrorUnavailable(`this cacher's backend does not support ${feature}`, { retryable: false, details: { reason: 'unsupported', feature } });
}

/**
 * Validates a watch pattern and returns the test of a full key against it: a string is a Redis
 * glob over the caller's keys (as `getKeys` takes), `{ prefix }` a literal prefix (as `getItemsLike`).
 * @throws MotifsErrorValidation for anything else, a bad glob or prefix
 */
export function watchMatcher(pattern: unknown, prefix: string): (fullKey: string) => boolean {
  if (typeof pattern === 'string') {
    assertKey(pattern, 'pattern');
    assertGlob(pattern, 'pattern');
    return compileGlob(escapeGlob(prefix) + pattern);
  }
  if (typeof pattern === 'object' && pattern !== null && !Array.isArray(pattern) && 'prefix' in pattern) {
    const literal = (pattern as { prefix: unknown }).prefix;
    assertPrefix(literal, 'pattern.prefix');
    const full = prefix + literal;
    return (fullKey) => fullKey.startsWith(full);
  }
  throw new MotifsErrorValidation(`pattern must be a glob string or { prefix }, got ${describeType(pattern)}`, {
    issues: [{ path: ['pattern'], message: 'must be a glob string or { prefix: string }' }],
  });
}

interface Watcher {
  match: (fullKey: string) => boolean;
  handler: CacherWatchHandler;
}

/**
 * A cacher's watches: one backend change feed, opened with the first watch and stopped with the
 * last, fanned out to every watch whose pattern matches. Handler failures go to `onError`.
 */
export class CacherWatches {
  private readonly watchers = new Set<Watcher>();
  private feed: Promise<ChangeFeedStop> | undefined;
  private closed = false;

  constructor(
    private readonly prefix: string,
    private readonly open: (sink: ChangeSink) => Promise<ChangeFeedStop> | ChangeFeedStop,
    private readonly onError: (key: string, error: unknown) => void,
  ) {}

  /** Validates, then resolves once the feed runs; the watch hears changes made after that. */
  async add(pattern: unknown, handler: unknown): Promise<CacherWatch> {
    const match = watchMatcher(pattern, this.prefix);
    if (typeof handler !== 'function') {
      throw new MotifsErrorValidation(`handler must be a function, got ${describeType(handler)}`, {
        issues: [{ path: ['handler'], message: 'must be a function' }],
      });
    }
    const watcher: Watcher = { match, handler: handler as CacherWatchHandler };
    this.watchers.add(watcher);
    try {
      await this.start();
    } catch (error) {
      this.watchers.delete(watcher);
      throw error;
    }
    if (this.closed) throw new MotifsErrorUnavailable('the cacher is closed', { retryable: false });
    let open = true;
    const close = async (): Promise<void> => {
      if (!open) return;
      open = false;
      this.watchers.delete(watcher);
      if (this.watchers.size === 0) await this.stop();
    };
    return { close, [Symbol.asyncDispose]: close };
  }

  /** Ends every watch and the feed (the cacher is closing). */
  async closeAll(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    await this.stop();
  }

  private start(): Promise<ChangeFeedStop> {
    if (!this.feed) {
      const feed = Promise.resolve().then(() => this.open((type, fullKey) => this.deliver(type, fullKey)));
      this.feed = feed;
      // A feed that failed to open is forgotten, so the next watch tries again.
      feed.catch(() => {
        if (this.feed === feed) this.feed = undefined;
      });
    }
    return this.feed;
  }

  private async stop(): Promise<void> {
    const feed = this.feed;
    this.feed = undefined;
    if (!feed) return;
    const stop = await feed.catch(() => undefined);
    await stop?.();
  }

  private deliver(type: CacherChange['type'], fullKey: string): void {
    if (!fullKey.startsWith(this.prefix)) return;
    let key: string | undefined;
    for (const watcher of this.watchers) {
      if (!watcher.match(fullKey)) continue;
      key ??= fullKey.slice(this.prefix.length);
      const failed = (error: unknown): void => this.onError(key!, error);
      try {
        const done = watcher.handler({ type, key });
        if (done && typeof (done as Promise<void>).then === 'function') (done as Promise<void>).then(undefined, failed);
      } catch (error) {
        failed(error);
      }
    }
  }
}
