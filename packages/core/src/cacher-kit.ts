/**
 * What every Cacher adapter shares: input validation, namespacing, the JSON codec, hit/miss stats,
 * typed events, single-flight and stale-while-revalidate `getOrSet`. An adapter only stores and
 * finds entries under full (namespaced) keys, so the memory and Redis cachers cannot drift apart.
 */
import Emittery from 'emittery';
import type { CacherEvents, CacherStats, GetOrSetOptions, ICacher } from './cacher.js';
import { decodeJson, encodeJson } from './codec.js';
import { MotifsErrorNotFound, MotifsErrorUnavailable, MotifsErrorValidation, isMotifsError } from './errors.js';
import { assertGlob, escapeGlob } from './glob.js';
import { CACHER_NAMESPACE_END, cacherKeyPrefix } from './key-layout.js';
import { MAX_EXPIRY_MS, MAX_KEY_LENGTH, assertKey, assertWellFormed, describeType, normalizeExpiryMs } from './keys.js';

/** Longest namespace a cacher accepts. */
export const MAX_NAMESPACE_LENGTH = 128;

/** Ends the namespace in a backend key (`motifs:cache:<namespace>:<key>`); a namespace cannot contain it. */
export const NAMESPACE_SEPARATOR = CACHER_NAMESPACE_END;

/**
 * Validates a namespace and returns the prefix of every backend key: `motifs:cache:<namespace>:`,
 * `motifs:cache::` without a namespace (see `key-layout.ts`). A namespace cannot contain `:`, so
 * `a` + key `b:c` can never collide with `a:b` + key `c`, and no cacher, namespaced or not, can
 * spell a repo's key or one another application wrote without the marker.
 * @throws MotifsErrorValidation for a non-string, an over-long namespace or one containing `:`
 */
export function namespacePrefix(namespace: unknown): string {
  if (namespace === undefined || namespace === '') return cacherKeyPrefix('');
  if (typeof namespace !== 'string') {
    throw new MotifsErrorValidation(`namespace must be a string, got ${describeType(namespace)}`, {
      issues: [{ path: ['namespace'], message: 'must be a string' }],
    });
  }
  if (namespace.length > MAX_NAMESPACE_LENGTH || namespace.includes(NAMESPACE_SEPARATOR)) {
    throw new MotifsErrorValidation(`namespace must be at most ${MAX_NAMESPACE_LENGTH} characters without "${NAMESPACE_SEPARATOR}"`, {
      issues: [{ path: ['namespace'], message: `at most ${MAX_NAMESPACE_LENGTH} characters, no "${NAMESPACE_SEPARATOR}"` }],
    });
  }
  assertWellFormed(namespace, 'namespace');
  return cacherKeyPrefix(namespace);
}

/**
 * Throws {@link MotifsErrorValidation} unless `prefix` is a string of at most
 * {@link MAX_KEY_LENGTH} characters. The empty prefix is allowed: it matches every key.
 */
export function assertPrefix(prefix: unknown, what = 'keyPrefix'): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.length > MAX_KEY_LENGTH) {
    throw new MotifsErrorValidation(`${what} must be a string of at most ${MAX_KEY_LENGTH} characters`, {
      issues: [{ path: [what], message: `string of 0..${MAX_KEY_LENGTH} characters` }],
    });
  }
  assertWellFormed(prefix, what);
}

/** Validates `staleMs`: 0 to {@link MAX_EXPIRY_MS} ms (rounded up), `Infinity` allowed; `undefined` means 0. */
export function normalizeStaleMs(staleMs: unknown): number {
  if (staleMs === undefined) return 0;
  if (staleMs === Infinity) return Infinity;
  if (typeof staleMs !== 'number' || !(staleMs >= 0 && staleMs <= MAX_EXPIRY_MS)) {
    throw new MotifsErrorValidation(`staleMs must be 0 to ${MAX_EXPIRY_MS} ms or Infinity, got ${String(staleMs)}`, {
      issues: [{ path: ['staleMs'], message: `must be >= 0 and <= ${MAX_EXPIRY_MS}, or Infinity` }],
    });
  }
  return Math.ceil(staleMs);
}

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

/** Sets an own property, even `__proto__`, without touching the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** getOrSet state of one key: reads in progress and the latest loader run. */
interface Flight<S> {
  readers: number;
  load?: Promise<S>;
  /** Clock value when `load` settled; undefined while it runs. */
  settledAt?: number;
}

/** The options every cacher adapter passes to {@link CacherBase}. */
export interface CacherBaseSettings {
  /** Isolates cachers sharing a backend; see {@link namespacePrefix}. */
  namespace?: string;
}

/**
 * Base class of the built-in cachers. Subclasses implement the `protected` entry methods over full
 * backend keys (`motifs:cache:<namespace>:<key>`); everything a caller can observe is decided here.
 * @example
 * class MyCacher extends CacherBase { protected readEntry(k) { ... } ... }
 */
export abstract class CacherBase<S = string> implements ICacher {
  /** Typed events: hit, miss, set, delete, expire, error. Listener errors are ignored. */
  readonly em = new Emittery<CacherEvents>();
  /** Prefix of every backend key this cacher owns: `motifs:cache:<namespace>:` (see {@link namespacePrefix}). */
  protected readonly prefix: string;
  private readonly counters = { hits: 0, misses: 0, sets: 0, deletes: 0 };
  /** getOrSet bookkeeping per full key; see {@link CacherBase.load}. */
  private readonly flights = new Map<string, Flight<S>>();
  /** Orders reads and load settlements, so a read knows whether a load finished before it began. */
  private clock = 0;
  private closed = false;
  /** Which events have listeners, worked out lazily and forgotten whenever listeners change. */
  private heard: Partial<Record<keyof CacherEvents, boolean>> | undefined;

  constructor(settings: CacherBaseSettings = {}) {
    this.prefix = namespacePrefix(settings.namespace);
    // Emittery's listenerCount() costs about as much as a memory read, so it is asked once per change
    // of listeners, not once per call. Every way to add or remove one goes through these methods.
    const em = this.em as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of ['on', 'off', 'onAny', 'offAny', 'clearListeners', 'events', 'anyEvent']) {
      const original = em[name]!.bind(this.em);
      em[name] = (...args: unknown[]) => {
        this.heard = undefined;
        return original(...args);
      };
    }
  }

  /** The entry's value as a fresh copy, a {@link StaleValue}, or `undefined` when there is none. */
  protected abstract readEntry(fullKey: string): unknown;
  /**
   * Stores a prepared value (see {@link CacherBase.prepare}). With `staleMs > 0` (and a finite expiry)
   * the entry must stay readable, as a {@link StaleValue}, for `staleMs` after `expiryMs`.
   * Expiry must be set with the value, atomically.
   */
  protected abstract writeEntry(fullKey: string, prepared: S, expiryMs: number, staleMs: number): unknown;
  /** Whether the key existed (stale entries count: they are removed too). */
  protected abstract deleteEntry(fullKey: string): Promise<boolean> | boolean;
  /** Whether a fresh entry exists. */
  protected abstract hasEntry(fullKey: string): Promise<boolean> | boolean;
  /** Every fresh entry whose full key starts with `fullPrefix`, values as fresh copies. */
  protected abstract readEntries(fullPrefix: string): Promise<Iterable<[string, unknown]>> | Iterable<[string, unknown]>;
  /** Full keys of fresh entries matching a Redis glob over full keys. */
  protected abstract readKeys(fullPattern: string): Promise<Iterable<string>> | Iterable<string>;
  /** Deletes every entry whose full key starts with `fullPrefix`; returns the full keys deleted. */
  protected abstract deleteEntries(fullPrefix: string): Promise<string[]> | string[];
  /** Releases the backend (connections, timers). Called once. */
  protected abstract closeBackend(): Promise<void> | void;

  /**
   * Validates a caller's value and turns it into what the backend stores: JSON text by default.
   * A backend that keeps values in memory can store the JSON tree instead (`toJsonTree`).
   * @throws MotifsErrorSerialization for a value the JSON codec refuses
   */
  protected prepare(value: unknown): S {
    return encodeJson(value) as S;
  }

  /** A fresh copy of a prepared value, as a read would return it. */
  protected reveal(prepared: S): unknown {
    return decodeJson(prepared as string);
  }

  // setItem and getItem are not `async`: a memory backend answers synchronously, and settling one
  // promise instead of an async function's chain is a measurable share of a memory read.
  setItem(key: string, val: unknown, expiryMs: number): Promise<boolean> {
    try {
      this.assertOpen();
      assertKey(key);
      const ms = normalizeExpiryMs(expiryMs);
      const written = this.writeEntry(this.prefix + key, this.prepare(val), ms, 0);
      if (written instanceof Promise) return written.then(() => this.afterSet(key, ms));
      return Promise.resolve(this.afterSet(key, ms));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  getItem<T = unknown>(key: string): Promise<T> {
    try {
      this.assertOpen();
      assertKey(key);
      const found = this.readEntry(this.prefix + key);
      if (found instanceof Promise) return found.then((value: unknown) => this.afterGet<T>(key, value));
      return Promise.resolve(this.afterGet<T>(key, found));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async hasItem(key: string): Promise<boolean> {
    this.assertOpen();
    assertKey(key);
    return this.hasEntry(this.prefix + key);
  }

  async delItem(key: string): Promise<boolean> {
    this.assertOpen();
    assertKey(key);
    const existed = await this.deleteEntry(this.prefix + key);
    if (existed) {
      this.counters.deletes++;
      if (this.listening('delete')) this.emit('delete', { key });
    }
    return existed;
  }

  async getItemsLike<T = unknown>(keyPrefix: string): Promise<Record<string, T>> {
    this.assertOpen();
    assertPrefix(keyPrefix);
    const out: Record<string, unknown> = {};
    const cut = this.prefix.length;
    for (const [fullKey, value] of await this.readEntries(this.prefix + keyPrefix)) setOwn(out, fullKey.slice(cut), value);
    return out as Record<string, T>;
  }

  async getKeys(search: string): Promise<string[]> {
    this.assertOpen();
    assertKey(search, 'search');
    assertGlob(search, 'search');
    const cut = this.prefix.length;
    const keys: string[] = [];
    for (const fullKey of await this.readKeys(escapeGlob(this.prefix) + search)) keys.push(fullKey.slice(cut));
    return keys;
  }

  async delItemsLike(keyPrefix: string): Promise<number> {
    this.assertOpen();
    assertPrefix(keyPrefix);
    const deleted = await this.deleteEntries(this.prefix + keyPrefix);
    this.counters.deletes += deleted.length;
    if (this.listening('delete')) for (const fullKey of deleted) this.emit('delete', { key: fullKey.slice(this.prefix.length) });
    return deleted.length;
  }

  async getOrSet<T = unknown>(key: string, loader: () => T | Promise<T>, options: GetOrSetOptions): Promise<T> {
    this.assertOpen();
    assertKey(key);
    if (typeof loader !== 'function') {
      throw new MotifsErrorValidation(`loader must be a function, got ${describeType(loader)}`, {
        issues: [{ path: ['loader'], message: 'must be a function' }],
      });
    }
    const expiryMs = normalizeExpiryMs(options?.expiryMs);
    const staleMs = normalizeStaleMs(options?.staleMs);
    const fullKey = this.prefix + key;
    const readAt = ++this.clock;
    const flight = this.flights.get(fullKey) ?? this.newFlight(fullKey);
    flight.readers++;
    let found: unknown;
    try {
      found = await this.readEntry(fullKey);
    } catch (error) {
      // The cache is an optimisation: when the backend is down, the loader still answers.
      if (!isMotifsError(error, 'MOTIFS_UNAVAILABLE')) {
        this.leave(fullKey, flight);
        throw error;
      }
      this.emit('error', { key, error });
    }
    flight.readers--;
    try {
      if (found instanceof StaleValue) {
        this.counters.hits++;
        if (this.listening('hit')) this.emit('hit', { key, stale: true });
        this.load(flight, fullKey, key, loader, expiryMs, staleMs, readAt).catch((error: unknown) => this.emit('error', { key, error }));
        return found.value as T;
      }
      if (found !== undefined) {
        this.counters.hits++;
        if (this.listening('hit')) this.emit('hit', { key, stale: false });
        return found as T;
      }
      this.counters.misses++;
      if (this.listening('miss')) this.emit('miss', { key });
      return this.reveal(await this.load(flight, fullKey, key, loader, expiryMs, staleMs, readAt)) as T;
    } finally {
      this.leave(fullKey, flight, false);
    }
  }

  stats(): CacherStats {
    const { hits, misses, sets, deletes } = this.counters;
    return { hits, misses, sets, deletes, hitRate: hits + misses === 0 ? 0 : hits / (hits + misses) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeBackend();
  }

  /** Emits `expire` for a full key the backend dropped, if it belongs to this cacher. */
  protected notifyExpired(fullKey: string): void {
    if (fullKey.startsWith(this.prefix) && this.listening('expire')) this.emit('expire', { key: fullKey.slice(this.prefix.length) });
  }

  /** Emits on `em` without waiting for listeners; their errors must not break the cache. */
  protected emit<K extends keyof CacherEvents>(name: K, data: CacherEvents[K]): void {
    this.em.emit(name, data).catch(() => undefined);
  }

  /** Cheaper than building event data nobody listens to. */
  protected listening(name: keyof CacherEvents): boolean {
    const heard = (this.heard ??= {});
    return (heard[name] ??= this.em.listenerCount(name) > 0);
  }

  private afterSet(key: string, expiryMs: number): true {
    this.counters.sets++;
    if (this.listening('set')) this.emit('set', { key, expiryMs });
    return true;
  }

  private afterGet<T>(key: string, found: unknown): T {
    if (found === undefined || found instanceof StaleValue) throw this.miss(key);
    this.counters.hits++;
    if (this.listening('hit')) this.emit('hit', { key, stale: false });
    return found as T;
  }

  private miss(key: string): MotifsErrorNotFound {
    this.counters.misses++;
    if (this.listening('miss')) this.emit('miss', { key });
    return new MotifsErrorNotFound(`no cached value for key "${key}"`, { details: { key } });
  }

  private assertOpen(): void {
    if (this.closed) throw new MotifsErrorUnavailable('the cacher is closed', { retryable: false });
  }

  private newFlight(fullKey: string): Flight<S> {
    const flight: Flight<S> = { readers: 0 };
    this.flights.set(fullKey, flight);
    return flight;
  }

  /** Forgets a key's flight once no read is pending and no load is running. */
  private leave(fullKey: string, flight: Flight<S>, reading = true): void {
    if (reading) flight.readers--;
    if (flight.readers === 0 && (flight.load === undefined || flight.settledAt !== undefined) && this.flights.get(fullKey) === flight) {
      this.flights.delete(fullKey);
    }
  }

  /**
   * Single flight: one loader run per key at a time, its prepared result shared by every caller that
   * missed. A caller whose read began before the last run settled shares that run's outcome (value or
   * error) too: its miss predates the write, so loading again would only repeat the work.
   */
  private load<T>(flight: Flight<S>, fullKey: string, key: string, loader: () => T | Promise<T>, expiryMs: number, staleMs: number, readAt: number): Promise<S> {
    if (flight.load && (flight.settledAt === undefined || readAt < flight.settledAt)) return flight.load;
    const run = (async () => {
      const prepared = this.prepare(await loader());
      try {
        await this.writeEntry(fullKey, prepared, expiryMs, staleMs);
        this.counters.sets++;
        if (this.listening('set')) this.emit('set', { key, expiryMs });
      } catch (error) {
        // A value the caller can use is not thrown away because the cache could not keep it.
        if (!isMotifsError(error, 'MOTIFS_UNAVAILABLE')) throw error;
        this.emit('error', { key, error });
      }
      return prepared;
    })();
    flight.load = run;
    flight.settledAt = undefined;
    const settle = (): void => {
      if (flight.load !== run) return;
      flight.settledAt = ++this.clock;
      this.leave(fullKey, flight, false);
    };
    run.then(settle, settle);
    return run;
  }
}
