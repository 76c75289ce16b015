import type Emittery from 'emittery';
import type { CacheDecision } from './cacher/decision.js';
import type { MotifsLogger } from './logger.js';
import { makeMotif } from './registry.js';

/** Events a cacher emits on `em`. Keys are the caller's keys, without the namespace. */
export interface CacherEvents {
  /** A read found a live value (`stale: true` when getOrSet served a value past its expiry). */
  hit: { key: string; stale: boolean };
  /** A read found nothing live. */
  miss: { key: string };
  /** A value was written; `expiryMs` is `Infinity` for no expiry. */
  set: { key: string; expiryMs: number };
  /** A key was deleted by `delItem` or `delItemsLike`. */
  delete: { key: string };
  /** The backend dropped a key whose time was up (memory: when noticed; redis: see its README). */
  expire: { key: string };
  /** A failure nobody awaits: a background refresh, a cache write getOrSet carried on without. */
  error: { key?: string; error: unknown };
}

/** Counters since the cacher was created. */
export interface CacherStats {
  /** Reads (getItem, getItems per key, getOrSet) that found a live or stale-but-served value. */
  hits: number;
  /** Reads that found nothing. */
  misses: number;
  /** Values written (setItem, getOrSet loads and refreshes). */
  sets: number;
  /** Keys deleted (delItem, delItemsLike). */
  deletes: number;
  /** `hits / (hits + misses)`, 0 before any read. */
  hitRate: number;
}

/** How long a value loaded by {@link ICacher.getOrSet} lives. */
export interface GetOrSetOptions {
  /** Time to live in ms (`Infinity`: no expiry), rounded up to whole ms. */
  expiryMs: number;
  /**
   * For this long after expiry, getOrSet serves the old value at once while one refresh runs in
   * the background. `getItem` already reports a miss. Default 0 (no stale serving).
   */
  staleMs?: number;
  /**
   * Stops waiting when it fires: the call rejects with `MotifsErrorAborted` (`cause`: the signal's
   * reason) at once. The loader, shared by concurrent callers of one key, is aborted (its own
   * `signal` fires, and nothing it returns is cached) only when every caller waiting for it aborted.
   */
  signal?: AbortSignal;
}

/** What a getOrSet loader receives. */
export interface GetOrSetLoaderContext {
  /** Fires when every caller waiting for this load aborted; pass it on to `fetch`, a driver, ... */
  signal: AbortSignal;
}

/**
 * Loads the value getOrSet caches; may ignore its argument. It may return the value itself, or wrap
 * it in `cacheable(value, { expiryMs, staleMs })` / `uncacheable(value)` to decide per result.
 */
export type GetOrSetLoader<T> = (context: GetOrSetLoaderContext) => T | CacheDecision<T> | Promise<T | CacheDecision<T>>;

/** Options of {@link ICacher.setItem}. */
export interface SetItemOptions {
  /**
   * Write only when no live value is stored under the key (Redis `SET NX`, atomically on every
   * backend): `setItem` then resolves `false` and changes nothing. An expired entry, or one past its
   * expiry inside a getOrSet stale window, counts as absent. Default false (always write).
   */
  ifAbsent?: boolean;
}

/**
 * What {@link ICacher.getEntry} resolves: the value with its metadata. `hit: false` means nothing
 * is stored (or its stale window ended too).
 */
export type CacherEntry<T> =
  | {
      hit: true;
      /** A fresh copy of the stored value. */
      value: T;
      /**
       * Milliseconds since the value was written; `undefined` for a value written by an older
       * version of motifs (which kept no write time).
       */
      ageMs: number | undefined;
      /** The value is past its expiry, kept inside a getOrSet stale window (`getItem` misses it). */
      stale: boolean;
    }
  | { hit: false; value: undefined; ageMs: undefined; stale: false };

/** One change seen by {@link ICacher.watch}. `key` is the caller's key, without the namespace. */
export interface CacherChange {
  /** `set`: written; `delete`: deleted (or evicted by the server); `expire`: dropped by the backend when its time was up. */
  type: 'set' | 'delete' | 'expire';
  key: string;
}

/** Receives the changes a watch matches; a throw or rejection goes to `em`'s `error` event. */
export type CacherWatchHandler = (change: CacherChange) => void | Promise<void>;

/** A Redis-style glob over keys (as `getKeys` takes), or `{ prefix }`: a literal prefix (as `getItemsLike` takes). */
export type CacherWatchPattern = string | { prefix: string };

/** A running watch. `close()` stops it (idempotent); so does closing the cacher. */
export interface CacherWatch extends AsyncDisposable {
  close(): Promise<void>;
}

/**
 * A key-value cache. Values go through the JSON codec: what you read back is a fresh copy.
 * `await using cacher = await makeCacher(...)` closes it at the end of the block.
 */
export interface ICacher extends AsyncDisposable {
  /**
   * Stores `val` under `key` for `expiryMs` milliseconds (`Infinity`: no expiry). Resolves `true`;
   * with `{ ifAbsent: true }`, resolves `false` (writing nothing) when a live value is already stored.
   * @example
   * const won = await cacher.setItem('locks/report', { owner: me }, 30_000, { ifAbsent: true });
   */
  setItem(key: string, val: unknown, expiryMs: number, options?: SetItemOptions): Promise<boolean>;
  /** Returns a copy of the value; throws `MotifsErrorNotFound` for a missing or expired key. */
  getItem<T = unknown>(key: string): Promise<T>;
  /**
   * Reads a value with its metadata, never throwing on a miss: `{ hit, value, ageMs, stale }`. A
   * value past its expiry but inside a getOrSet stale window is returned with `stale: true`.
   * @example
   * const { hit, value, ageMs } = await cacher.getEntry<User>('users/1');
   */
  getEntry<T = unknown>(key: string): Promise<CacherEntry<T>>;
  /**
   * Calls `handler` for every set, delete and expiry of this cacher's keys matching `pattern`, made
   * by any cacher of the same namespace on the same backend (other processes too, on Redis). Resolves
   * once changes flow. Delivery is best effort, like pub/sub: a change made while a Redis connection
   * is down is not replayed. Redis needs `notify-keyspace-events` (see the cacher-redis README).
   * @throws MotifsErrorValidation for a bad pattern or handler
   * @throws MotifsErrorUnavailable when the backend cannot report changes (`details.reason`)
   * @example
   * const watch = await cacher.watch({ prefix: 'users/' }, ({ type, key }) => local.delete(key));
   * await watch.close();
   */
  watch(pattern: CacherWatchPattern, handler: CacherWatchHandler): Promise<CacherWatch>;
  /** Resolves `true` if the key existed. */
  delItem(key: string): Promise<boolean>;
  /** Every live key starting with `keyPrefix` literally (glob characters included), with its value. */
  getItemsLike<T = unknown>(keyPrefix: string): Promise<Record<string, T>>;
  /** Live keys matching a Redis-style glob. */
  getKeys(search: string): Promise<string[]>;
  /** Whether a live value is stored under `key`. */
  hasItem(key: string): Promise<boolean>;
  /** Deletes every key starting with `keyPrefix` literally; resolves how many were deleted. */
  delItemsLike(keyPrefix: string): Promise<number>;
  /**
   * Reads many keys at once (one round trip on Redis; grouped by node on a Cluster). Resolves an
   * object holding a copy of each live value; missing and expired keys are absent. A key given twice
   * counts once in `stats()` and events. Every key is validated before anything is read. At most
   * `MAX_BATCH_KEYS` (100,000) keys per call, as for setItems and delItems.
   * @throws MotifsErrorValidation for a non-array, too many keys or any bad key (nothing is read)
   * @example
   * const users = await cacher.getItems<User>(['users/1', 'users/2']); // { 'users/1': {...} } when users/2 is not cached
   */
  getItems<T = unknown>(keys: string[]): Promise<Record<string, T>>;
  /**
   * Stores every `key: value` of `entries` with one expiry (`Infinity`: none). Every key and value is
   * validated and encoded first: one bad key or value rejects the call and writes nothing. Resolves `true`.
   * @throws MotifsErrorValidation / MotifsErrorSerialization (nothing is written)
   * @example
   * await cacher.setItems({ 'users/1': ada, 'users/2': alan }, 60_000);
   */
  setItems(entries: Record<string, unknown>, expiryMs: number): Promise<boolean>;
  /**
   * Deletes many keys at once; resolves how many existed (a key given twice counts once).
   * @throws MotifsErrorValidation for a non-array or any bad key (nothing is deleted)
   */
  delItems(keys: string[]): Promise<number>;
  /**
   * Returns the cached value, or calls `loader` once for all concurrent callers, stores its result
   * and returns it. Loader errors reach every waiting caller and are never cached. With `signal`, the
   * caller can stop waiting; see {@link GetOrSetOptions.signal}.
   * @example
   * const user = await cacher.getOrSet(`users/${id}`, () => db.users.find(id), { expiryMs: 60_000, staleMs: 10_000 });
   * const page = await cacher.getOrSet('home', ({ signal }) => fetch(url, { signal }).then((r) => r.text()), {
   *   expiryMs: 30_000,
   *   signal: AbortSignal.timeout(2_000),
   * });
   */
  getOrSet<T = unknown>(key: string, loader: GetOrSetLoader<T>, options: GetOrSetOptions): Promise<T>;
  /** Hit/miss/set/delete counters since creation. */
  stats(): CacherStats;
  /** Releases connections and timers; later calls reject with `MotifsErrorUnavailable`. */
  close(): Promise<void>;
  /** Typed event manager: hit, miss, set, delete, expire, error. */
  em: Emittery<CacherEvents>;
}

/**
 * Adapter option types by kind. Adapter packages add their kind by declaration merging:
 * @example
 * declare module '@motifs/core' { interface CacherKinds { memory: MemoryCacherOptions } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CacherKinds {}

/** Options every cacher kind takes. */
export interface CacherBaseOptions {
  /** Isolates cachers sharing a backend: keys, prefixes and globs never see another namespace. */
  namespace?: string;
  /**
   * Receives failures nobody awaits (a failed background refresh, a cache write getOrSet carried on
   * without) when no `error` listener is registered. Default: Node process warnings; see `resolveLogger`.
   */
  logger?: MotifsLogger;
}

/** `makeCacher` options for one kind: `{ kind, namespace?, [kind]?: adapter options }`. */
export type CacherOptionsFor<K extends keyof CacherKinds & string> = CacherBaseOptions & { kind: K } & {
  [P in K]?: CacherKinds[K];
};

/** The union of options of every installed cacher kind. */
export type MakeCacherOptions = { [K in keyof CacherKinds & string]: CacherOptionsFor<K> }[keyof CacherKinds & string];

/**
 * Builds a cacher of the given kind, importing its adapter package on first use.
 * @throws MotifsErrorAdapterMissing when the kind's package is not installed
 * @example
 * const cacher = await makeCacher({ kind: 'memory' });
 * await cacher.setItem('greeting', { hello: 'world' }, 60_000);
 */
export function makeCacher<C extends ICacher = ICacher>(options: MakeCacherOptions): Promise<C> {
  return makeMotif<C>('cacher', options);
}
