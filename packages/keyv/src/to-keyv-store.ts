import { MotifsErrorNotFound, type ICacher } from '@motifs/core/kit';

/**
 * The Keyv storage-adapter shape (Keyv 5) that {@link toKeyvStore} returns, written out so this
 * package needs no runtime dependency on Keyv.
 */
export interface MotifsKeyvStore {
  /** Keyv reads adapter settings here; `dialect` is informative. */
  opts: { dialect: string; url: string } & Record<string, unknown>;
  /** Set by Keyv: its keys arrive as `<namespace>:<key>`, and `clear()` only empties this namespace. */
  namespace?: string;
  get(key: string): Promise<unknown>;
  getMany(keys: string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  deleteMany(keys: string[]): Promise<boolean>;
  has(key: string): Promise<boolean>;
  clear(): Promise<void>;
  /** Yields `[key, stored value]` for every key of `namespace` (all keys without one). */
  iterator(namespace?: string): AsyncGenerator<[string, unknown]>;
  /** Closes the cacher. */
  disconnect(): Promise<void>;
}

/**
 * Lets a motifs cacher serve as a Keyv storage adapter, so Keyv and cache-manager users can keep
 * their code and move to motifs' memory or Redis cacher. Keyv serializes values itself (to strings),
 * so whatever Keyv stores round-trips; a TTL of 0 or none means no expiry.
 * @example
 * const keyv = new Keyv({ store: toKeyvStore(await makeCacher({ kind: 'redis', namespace: 'app' })) });
 * await keyv.set('greeting', 'hello', 60_000);
 */
export function toKeyvStore(cacher: ICacher): MotifsKeyvStore {
  const prefixOf = (namespace: string | undefined): string => (namespace ? `${namespace}:` : '');
  const store: MotifsKeyvStore = {
    opts: { dialect: 'motifs', url: 'motifs://cacher' },
    namespace: undefined,
    async get(key) {
      try {
        return await cacher.getItem(key);
      } catch (error) {
        if (error instanceof MotifsErrorNotFound) return undefined;
        throw error;
      }
    },
    getMany(keys) {
      return Promise.all(keys.map((key) => store.get(key)));
    },
    set(key, value, ttl) {
      return cacher.setItem(key, value, typeof ttl === 'number' && ttl > 0 ? ttl : Infinity);
    },
    delete(key) {
      return cacher.delItem(key);
    },
    async deleteMany(keys) {
      const results = await Promise.all(keys.map((key) => cacher.delItem(key)));
      return results.length > 0 && results.every(Boolean);
    },
    has(key) {
      return cacher.hasItem(key);
    },
    async clear() {
      await cacher.delItemsLike(prefixOf(store.namespace));
    },
    async *iterator(namespace) {
      const entries = await cacher.getItemsLike(prefixOf(namespace ?? store.namespace));
      for (const key of Object.keys(entries)) yield [key, entries[key]];
    },
    disconnect() {
      return cacher.close();
    },
  };
  return store;
}
