/**
 * What every Cacher adapter shares: input validation, namespacing, the JSON codec, hit/miss stats,
 * typed events, tracing, single-flight and stale-while-revalidate `getOrSet` with abortable loads.
 * An adapter only stores and finds entries under full (namespaced) keys, so the memory and Redis
 * cachers cannot drift apart.
 */
import Emittery from 'emittery';
import type { CacherEntry, CacherEvents, CacherStats, CacherWatch, CacherWatchHandler, CacherWatchPattern, GetOrSetLoader, GetOrSetOptions, ICacher, SetItemOptions } from '../cacher.js';
import { decodeJson, encodeJson } from '../codec.js';
import { MotifsErrorNotFound, MotifsErrorUnavailable, MotifsErrorValidation, isMotifsError } from '../errors.js';
import { assertGlob, escapeGlob } from '../glob.js';
import { listenerPresence } from '../listener-presence.js';
import { assertKey, describeType, normalizeExpiryMs } from '../keys.js';
import { resolveLogger, type MotifsLogger, type ResolvedMotifsLogger } from '../logger.js';
import { isTraced, traced, type MotifsTraceContext } from '../tracing.js';
import { abortedError, checkSignal, raceAbort } from './abort.js';
import { batchEntries, uniqueBatchKeys } from './batch.js';
import { SingleFlight } from './single-flight.js';
import { resolveCacheDecision } from './decision.js';
import { StaleValue, type StoredEntry } from './stored-text.js';
import { assertPrefix, namespacePrefix, normalizeStaleMs, readSetItemOptions, setOwn, taggedNamespacePrefix } from './validation.js';
import { CacherWatches, unsupportedFeature, type ChangeFeedStop, type ChangeSink } from './watch.js';

/** Shortest gap between two logged `error`s that had no listener; the ones between are counted. */
export const UNHEARD_WARNING_INTERVAL_MS = 10_000;

/** The options every cacher adapter passes to {@link CacherBase}. */
export interface CacherBaseSettings {
  /** Isolates cachers sharing a backend; see {@link namespacePrefix}. */
  namespace?: string;
  /** Receives failures nobody awaits when no `error` listener is registered; see {@link resolveLogger}. */
  logger?: MotifsLogger;
  /**
   * Make the namespace the keys' Redis Cluster hash tag (`motifs:cache{<namespace>}:<key>`, see
   * {@link taggedNamespacePrefix}): all keys in one slot. Default false (`motifs:cache:<namespace>:<key>`).
   */
  hashTag?: boolean;
  /**
   * The backend holds this cacher's entries alone (a private in-memory store nobody else reads):
   * keys are stored as the caller gives them, without the namespace prefix, which saves building
   * and hashing the longer key on every call. The namespace is still validated. Default false.
   */
  unprefixed?: boolean;
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
  /** Prefix of every backend key this cacher owns: `motifs:cache:<namespace>:` (see {@link namespacePrefix}), `''` when {@link CacherBaseSettings.unprefixed}. */
  protected readonly prefix: string;
  /** The namespace as given (`''` for none); trace contexts carry it. */
  protected readonly namespace: string;
  /** Where failures nobody listens for go (see {@link CacherBase.emit}). */
  protected readonly logger: ResolvedMotifsLogger;
  private readonly counters = { hits: 0, misses: 0, sets: 0, deletes: 0 };
  /** getOrSet bookkeeping per full key. */
  private readonly flights = new SingleFlight<S>();
  private watches: CacherWatches | undefined;
  private closed = false;
  /** When an unheard `error` was last logged, and how many were dropped since. */
  private lastWarnedAt = -Infinity;
  private unheard = 0;
  /** Which events have listeners, worked out lazily and forgotten whenever listeners change. */
  /** Whether anything listens on an event, asked once per change of listeners (see {@link listenerPresence}). */
  private readonly hears: (event: string) => boolean;

  constructor(settings: CacherBaseSettings = {}) {
    const prefix = settings.hashTag ? taggedNamespacePrefix(settings.namespace) : namespacePrefix(settings.namespace);
    // `'' + key` is `key` itself: no new string per call.
    this.prefix = settings.unprefixed ? '' : prefix;
    this.namespace = settings.namespace ?? '';
    this.logger = resolveLogger(settings.logger);
    this.hears = listenerPresence(this.em);
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
   * Stores a prepared value only if no fresh entry exists (an expired or stale one counts as
   * absent), atomically; resolves whether it wrote. The default refuses (`details.reason: 'unsupported'`).
   */
  protected writeEntryIfAbsent(_fullKey: string, _prepared: S, _expiryMs: number): Promise<boolean> | boolean {
    throw unsupportedFeature('setItem ifAbsent');
  }

  /** The entry with its metadata, or undefined. The default has no write time (`ageMs` undefined). */
  protected async readEntryMeta(fullKey: string): Promise<StoredEntry | undefined> {
    const found = await this.readEntry(fullKey);
    if (found === undefined) return undefined;
    return found instanceof StaleValue ? { value: found.value, stale: true } : { value: found, stale: false };
  }

  /**
   * Starts reporting every set, delete and expiry of full keys under this cacher's prefix to `sink`
   * (other keys may be reported too: they are filtered). Resolves once changes flow, with the stop
   * function. The default refuses (`details.reason: 'unsupported'`).
   */
  protected openChangeFeed(_sink: ChangeSink): Promise<ChangeFeedStop> | ChangeFeedStop {
    throw unsupportedFeature('watch');
  }

  /**
   * Reads several entries (distinct full keys), answering like {@link CacherBase.readEntry} for each,
   * in order. Override with one backend round trip (Redis `MGET`); the default reads them one by one.
   */
  protected readEntryList(fullKeys: string[]): Promise<unknown[]> | unknown[] {
    return Promise.all(fullKeys.map((fullKey) => this.readEntry(fullKey)));
  }

  /**
   * Stores several prepared values (distinct full keys) with one expiry, as
   * {@link CacherBase.writeEntry} would with `staleMs` 0. Override with one round trip; the
   * default writes them one by one.
   */
  protected async writeEntryList(entries: [string, S][], expiryMs: number): Promise<void> {
    await Promise.all(entries.map(([fullKey, prepared]) => this.writeEntry(fullKey, prepared, expiryMs, 0)));
  }

  /**
   * Deletes several entries (distinct full keys); returns the full keys that existed. Override with
   * one round trip; the default deletes them one by one.
   */
  protected async deleteEntryList(fullKeys: string[]): Promise<string[]> {
    const existed = await Promise.all(fullKeys.map((fullKey) => this.deleteEntry(fullKey)));
    return fullKeys.filter((_, i) => existed[i]);
  }

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

  // setItem and getItem are not `async` and build a trace context only when traced: a memory
  // backend answers synchronously, and every allocation is a measurable share of a memory read.
  setItem(key: string, val: unknown, expiryMs: number, options?: SetItemOptions): Promise<boolean> {
    if (isTraced('cacher', 'setItem')) return traced('cacher', 'setItem', { namespace: this.namespace, key }, () => this.set(key, val, expiryMs, options));
    return this.set(key, val, expiryMs, options);
  }

  getEntry<T = unknown>(key: string): Promise<CacherEntry<T>> {
    // `watch` is a subscription, not an operation: its events are the trace, it has no channel.
    return traced('cacher', 'getEntry', { namespace: this.namespace, key }, async (): Promise<CacherEntry<T>> => {
      this.assertOpen();
      assertKey(key);
      const found = await this.readEntryMeta(this.prefix + key);
      if (!found) {
        this.miss(key);
        return { hit: false, value: undefined, ageMs: undefined, stale: false };
      }
      this.counters.hits++;
      if (this.listening('hit')) this.emit('hit', { key, stale: found.stale });
      const ageMs = found.writtenAt === undefined ? undefined : Math.max(0, Date.now() - found.writtenAt);
      return { hit: true, value: found.value as T, ageMs, stale: found.stale };
    });
  }

  watch(pattern: CacherWatchPattern, handler: CacherWatchHandler): Promise<CacherWatch> {
    return (async () => {
      this.assertOpen();
      this.watches ??= new CacherWatches(this.prefix, (sink) => this.openChangeFeed(sink), (key, error) => this.emit('error', { key, error }));
      return this.watches.add(pattern, handler);
    })();
  }

  getItem<T = unknown>(key: string): Promise<T> {
    if (isTraced('cacher', 'getItem')) return traced('cacher', 'getItem', { namespace: this.namespace, key }, () => this.get<T>(key));
    return this.get<T>(key);
  }

  hasItem(key: string): Promise<boolean> {
    return traced('cacher', 'hasItem', { namespace: this.namespace, key }, async () => {
      this.assertOpen();
      assertKey(key);
      return this.hasEntry(this.prefix + key);
    });
  }

  delItem(key: string): Promise<boolean> {
    return traced('cacher', 'delItem', { namespace: this.namespace, key }, async () => {
      this.assertOpen();
      assertKey(key);
      const existed = await this.deleteEntry(this.prefix + key);
      if (existed) {
        this.counters.deletes++;
        if (this.listening('delete')) this.emit('delete', { key });
      }
      return existed;
    });
  }

  getItemsLike<T = unknown>(keyPrefix: string): Promise<Record<string, T>> {
    return traced('cacher', 'getItemsLike', { namespace: this.namespace, keyPrefix }, async () => {
      this.assertOpen();
      assertPrefix(keyPrefix);
      const out: Record<string, unknown> = {};
      const cut = this.prefix.length;
      for (const [fullKey, value] of await this.readEntries(this.prefix + keyPrefix)) setOwn(out, fullKey.slice(cut), value);
      return out as Record<string, T>;
    });
  }

  getKeys(search: string): Promise<string[]> {
    return traced('cacher', 'getKeys', { namespace: this.namespace, search }, async () => {
      this.assertOpen();
      assertKey(search, 'search');
      assertGlob(search, 'search');
      const cut = this.prefix.length;
      const keys: string[] = [];
      for (const fullKey of await this.readKeys(escapeGlob(this.prefix) + search)) keys.push(fullKey.slice(cut));
      return keys;
    });
  }

  delItemsLike(keyPrefix: string): Promise<number> {
    return traced('cacher', 'delItemsLike', { namespace: this.namespace, keyPrefix }, async () => {
      this.assertOpen();
      assertPrefix(keyPrefix);
      const deleted = await this.deleteEntries(this.prefix + keyPrefix);
      this.counters.deletes += deleted.length;
      if (this.listening('delete')) for (const fullKey of deleted) this.emit('delete', { key: fullKey.slice(this.prefix.length) });
      return deleted.length;
    });
  }

  getItems<T = unknown>(keys: string[]): Promise<Record<string, T>> {
    if (isTraced('cacher', 'getItems')) return traced('cacher', 'getItems', { namespace: this.namespace, count: Array.isArray(keys) ? keys.length : 0 }, () => this.getMany<T>(keys));
    return this.getMany<T>(keys);
  }

  setItems(entries: Record<string, unknown>, expiryMs: number, options?: never): Promise<boolean> {
    return traced('cacher', 'setItems', { namespace: this.namespace }, async () => {
      this.assertOpen();
      // No ifAbsent for batches: a per-key outcome needs another return shape (see the core README).
      if (options !== undefined) throw new MotifsErrorValidation('setItems takes no options (for ifAbsent, call setItem per key)', { issues: [{ path: ['options'], message: 'must be undefined' }] });
      const pairs = batchEntries(entries);
      const ms = normalizeExpiryMs(expiryMs);
      // Every value is encoded before anything is written: one bad value writes nothing.
      const prepared = pairs.map(([key, value]): [string, S] => [this.prefix + key, this.prepare(value)]);
      if (prepared.length === 0) return true;
      await this.writeEntryList(prepared, ms);
      for (const [key] of pairs) this.afterSet(key, ms);
      return true;
    });
  }

  delItems(keys: string[]): Promise<number> {
    return traced('cacher', 'delItems', { namespace: this.namespace, count: Array.isArray(keys) ? keys.length : 0 }, async () => {
      this.assertOpen();
      const unique = uniqueBatchKeys(keys);
      if (unique.length === 0) return 0;
      const deleted = await this.deleteEntryList(unique.map((key) => this.prefix + key));
      this.counters.deletes += deleted.length;
      if (this.listening('delete')) for (const fullKey of deleted) this.emit('delete', { key: fullKey.slice(this.prefix.length) });
      return deleted.length;
    });
  }

  getOrSet<T = unknown>(key: string, loader: GetOrSetLoader<T>, options: GetOrSetOptions): Promise<T> {
    return traced('cacher', 'getOrSet', { namespace: this.namespace, key }, (ctx) => this.getOrLoad(key, loader, options, ctx));
  }

  stats(): CacherStats {
    const { hits, misses, sets, deletes } = this.counters;
    return { hits, misses, sets, deletes, hitRate: hits + misses === 0 ? 0 : hits / (hits + misses) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watches?.closeAll();
    await this.closeBackend();
  }

  /** Closes the cacher at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Emits `expire` for a full key the backend dropped, if it belongs to this cacher. */
  protected notifyExpired(fullKey: string): void {
    if (fullKey.startsWith(this.prefix) && this.listening('expire')) this.emit('expire', { key: fullKey.slice(this.prefix.length) });
  }

  /**
   * Emits on `em` without waiting for listeners; their errors must not break the cache. An `error`
   * nobody listens for goes to the logger instead, so it is never lost silently.
   */
  protected emit<K extends keyof CacherEvents>(name: K, data: CacherEvents[K]): void {
    if (name === 'error' && !this.listening('error')) {
      this.logUnheard(data as CacherEvents['error']);
      return;
    }
    this.em.emit(name, data).catch(() => undefined);
  }

  /** At most one warning per {@link UNHEARD_WARNING_INTERVAL_MS}: an outage must not flood the log. */
  private logUnheard({ key, error }: CacherEvents['error']): void {
    const now = Date.now();
    if (now - this.lastWarnedAt < UNHEARD_WARNING_INTERVAL_MS) {
      this.unheard++;
      return;
    }
    const suppressed = this.unheard;
    this.lastWarnedAt = now;
    this.unheard = 0;
    this.logger.warn('motifs cacher: a cache operation nobody awaits failed (listen to `error` to handle these)', {
      namespace: this.namespace,
      key,
      error,
      ...(suppressed > 0 ? { suppressed } : {}),
    });
  }

  /** Cheaper than building event data nobody listens to. */
  protected listening(name: keyof CacherEvents): boolean {
    return this.hears(name);
  }

  private set(key: string, val: unknown, expiryMs: number, options: SetItemOptions | undefined): Promise<boolean> {
    try {
      this.assertOpen();
      assertKey(key);
      const ms = normalizeExpiryMs(expiryMs);
      if (options !== undefined && readSetItemOptions(options)) {
        const prepared = this.prepare(val);
        return Promise.resolve(this.writeEntryIfAbsent(this.prefix + key, prepared, ms)).then((wrote) => wrote && this.afterSet(key, ms));
      }
      const written = this.writeEntry(this.prefix + key, this.prepare(val), ms, 0);
      if (written instanceof Promise) return written.then(() => this.afterSet(key, ms));
      return Promise.resolve(this.afterSet(key, ms));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async getMany<T>(keys: string[]): Promise<Record<string, T>> {
    this.assertOpen();
    const unique = uniqueBatchKeys(keys);
    const out: Record<string, unknown> = {};
    if (unique.length === 0) return out as Record<string, T>;
    const prefix = this.prefix;
    const found = await this.readEntryList(unique.map((key) => prefix + key));
    const hits = this.listening('hit');
    const misses = this.listening('miss');
    let hitCount = 0;
    for (let i = 0; i < unique.length; i++) {
      const key = unique[i]!;
      const value = found[i];
      if (value === undefined || value instanceof StaleValue) {
        if (misses) this.emit('miss', { key });
        continue;
      }
      hitCount++;
      if (hits) this.emit('hit', { key, stale: false });
      if (key === '__proto__') setOwn(out, key, value);
      else out[key] = value;
    }
    this.counters.hits += hitCount;
    this.counters.misses += unique.length - hitCount;
    return out as Record<string, T>;
  }

  private get<T>(key: string): Promise<T> {
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

  /** `trace.outcome` tells a tracing subscriber how the call was answered: `hit`, `stale` or `miss`. */
  private async getOrLoad<T>(key: string, loader: GetOrSetLoader<T>, options: GetOrSetOptions, trace: MotifsTraceContext): Promise<T> {
    this.assertOpen();
    assertKey(key);
    if (typeof loader !== 'function') {
      throw new MotifsErrorValidation(`loader must be a function, got ${describeType(loader)}`, {
        issues: [{ path: ['loader'], message: 'must be a function' }],
      });
    }
    const expiryMs = normalizeExpiryMs(options?.expiryMs);
    const staleMs = normalizeStaleMs(options?.staleMs);
    const signal = checkSignal(options?.signal);
    if (signal?.aborted) throw abortedError(signal, 'getOrSet');
    const ticket = this.flights.beginRead(this.prefix + key);
    let found: unknown;
    try {
      found = await raceAbort(Promise.resolve(this.readEntry(ticket.fullKey)), signal, undefined, 'getOrSet');
    } catch (error) {
      // The cache is an optimisation: when the backend is down, the loader still answers.
      if (!isMotifsError(error, 'MOTIFS_UNAVAILABLE')) {
        this.flights.endRead(ticket, true);
        throw error;
      }
      this.emit('error', { key, error });
    }
    this.flights.endRead(ticket);
    try {
      if (found instanceof StaleValue) {
        trace.outcome = 'stale';
        this.counters.hits++;
        if (this.listening('hit')) this.emit('hit', { key, stale: true });
        this.flights.join(ticket, undefined, (run) => this.loadAndStore(ticket.fullKey, key, loader, expiryMs, staleMs, run)).catch((error: unknown) => this.emit('error', { key, error }));
        return found.value as T;
      }
      if (found !== undefined) {
        trace.outcome = 'hit';
        this.counters.hits++;
        if (this.listening('hit')) this.emit('hit', { key, stale: false });
        return found as T;
      }
      trace.outcome = 'miss';
      this.counters.misses++;
      if (this.listening('miss')) this.emit('miss', { key });
      return this.reveal(await this.flights.join(ticket, signal, (run) => this.loadAndStore(ticket.fullKey, key, loader, expiryMs, staleMs, run))) as T;
    } finally {
      this.flights.release(ticket);
    }
  }

  /** Runs the loader and stores what it returns, unless every caller waiting for it aborted. */
  private async loadAndStore<T>(fullKey: string, key: string, loader: GetOrSetLoader<T>, expiryMs: number, staleMs: number, signal: AbortSignal): Promise<S> {
    const decided = resolveCacheDecision(await loader({ signal }), expiryMs, staleMs);
    if (signal.aborted) throw signal.reason;
    const prepared = this.prepare(decided.value);
    if (!decided.store) return prepared;
    try {
      await this.writeEntry(fullKey, prepared, decided.expiryMs, decided.staleMs);
      this.afterSet(key, decided.expiryMs);
    } catch (error) {
      // A value the caller can use is not thrown away because the cache could not keep it.
      if (!isMotifsError(error, 'MOTIFS_UNAVAILABLE')) throw error;
      this.emit('error', { key, error });
    }
    return prepared;
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
}
