import type Emittery from 'emittery';
import { makeMotif } from './registry.js';

/**
 * A key-value cache. Values go through the JSON codec: what you read back is a fresh copy.
 * (Seed interface; `close()` added so connections can be released.)
 */
export interface ICacher {
  /** Stores `val` under `key` for `expiryMs` milliseconds (`Infinity`: no expiry). Resolves `true`. */
  setItem(key: string, val: unknown, expiryMs: number): Promise<boolean>;
  /** Returns a copy of the value; throws `MotifsErrorNotFound` for a missing or expired key. */
  getItem<T = unknown>(key: string): Promise<T>;
  /** Resolves `true` if the key existed. */
  delItem(key: string): Promise<boolean>;
  /** Every live key starting with `keyPrefix` literally (glob characters included), with its value. */
  getItemsLike<T = unknown>(keyPrefix: string): Promise<Record<string, T>>;
  /** Live keys matching a Redis-style glob. */
  getKeys(search: string): Promise<string[]>;
  /** Releases connections and timers. */
  close(): Promise<void>;
  /** Internal event manager (optional on custom adapters). */
  em?: Emittery;
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
