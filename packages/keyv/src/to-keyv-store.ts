import { MotifsErrorNotFound, setOwn, type ICacher } from '@motifs/core/kit';

/** Keyv's TTL in ms; 0 or none means no expiry. */
const expiryOf = (ttl: unknown): number => (typeof ttl === 'number' && ttl > 0 ? ttl : Infinity);

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
  /** One `getItems` call: values in the order of `keys`, `undefined` for a miss. */
  getMany(keys: string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  /** One `setItems` per distinct TTL (usually one call in all). */
  setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<boolean[]>;
  delete(key: string): Promise<boolean>;
  /** One `delItems` call; `true` when every key existed. */
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
    async getMany(keys) {
      const found = await cacher.getItems(keys);
      return keys.map((key) => (Object.prototype.hasOwnProperty.call(found, key) ? found[key] : undefined));
    },
    set(key, value, ttl) {
      return cacher.setItem(key, value, expiryOf(ttl));
    },
    async setMany(entries) {
      const byExpiry = new Map<number, Record<string, unknown>>();
      for (const { key, value, ttl } of entries) {
        const expiry = expiryOf(ttl);
        let group = byExpiry.get(expiry);
        if (!group) byExpiry.set(expiry, (group = {}));
        setOwn(group, key, value);
      }
      await Promise.all([...byExpiry].map(([expiry, group]) => cacher.setItems(group, expiry)));
      return entries.map(() => true);
    },
    delete(key) {
      return cacher.delItem(key);
    },
    async deleteMany(keys) {
      const deleted = await cacher.delItems(keys);
      return keys.length > 0 && deleted === new Set(keys).size;
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
