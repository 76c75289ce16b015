import type NodeCache from 'node-cache';
import {
  CacherBase,
  type CacherBaseSettings,
  MotifsErrorUnavailable,
  MotifsErrorValidation,
  StaleValue,
  compileGlob,
  type ChangeFeedStop,
  type ChangeSink,
  type StoredEntry,
  copyJson,
  toJsonTree,
} from '@motifs/core/kit';
import type { MemoryCacherOptions } from './options.js';
import { Entry, MapStore, NodeCacheStore, StaleWindowEntry, type EntryStore } from './store.js';

// Every full key starts with the cacher marker (`motifs:cache:`, see core `key-layout.ts`), so none
// can be `__proto__` in node-cache's plain-object table. A shared node-cache may hold other keys too:
// every listing and deletion only looks at keys under this cacher's prefix.

const DEFAULT_CHECK_PERIOD_MS = 60_000;

function checkOptions(options: MemoryCacherOptions): { maxKeys: number; checkPeriodMs: number } {
  const { maxKeys = Infinity, checkPeriodMs = DEFAULT_CHECK_PERIOD_MS, cache } = options;
  const issues: { path: string[]; message: string }[] = [];
  if (typeof maxKeys !== 'number' || !(maxKeys === Infinity || (Number.isInteger(maxKeys) && maxKeys > 0))) {
    issues.push({ path: ['memory', 'maxKeys'], message: 'must be a positive integer or Infinity' });
  }
  if (typeof checkPeriodMs !== 'number' || !Number.isFinite(checkPeriodMs) || checkPeriodMs < 0) {
    issues.push({ path: ['memory', 'checkPeriodMs'], message: 'must be 0 or a positive number of ms' });
  }
  if (cache !== undefined && (typeof cache !== 'object' || cache === null || typeof (cache as NodeCache).get !== 'function' || typeof (cache as NodeCache).keys !== 'function')) {
    issues.push({ path: ['memory', 'cache'], message: 'must be a node-cache instance' });
  }
  if (issues.length) throw new MotifsErrorValidation(`invalid memory cacher options: ${issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, { issues });
  return { maxKeys, checkPeriodMs };
}

/**
 * The memory cacher. Values are validated and stored as plain JSON trees, then copied on read with a
 * JSON-only copier: several times faster than node-cache's default clone (and than a JSON round-trip)
 * while still handing out isolated copies. A private cacher keeps its entries in one `Map`
 * ({@link MapStore}); a node-cache passed as `cache` is used as it is, so cachers can share it.
 */
export class MemoryCacher extends CacherBase<unknown> {
  private readonly store: EntryStore;
  private readonly ownsStore: boolean;
  private readonly maxKeys: number;
  private readonly onExpired = (key: string): void => {
    if (typeof key === 'string') this.notifyExpired(key);
  };

  constructor(options: MemoryCacherOptions & CacherBaseSettings = {}) {
    // A private store holds this cacher's keys alone: they go in without the namespace prefix.
    super({ namespace: options.namespace, logger: options.logger, unprefixed: options.cache === undefined });
    const { maxKeys, checkPeriodMs } = checkOptions(options);
    this.maxKeys = maxKeys;
    // A MapStore given as `cache` (the tests share one, as they share a node-cache) is used as it is.
    const cache: NodeCache | MapStore | undefined = options.cache;
    this.ownsStore = cache === undefined;
    this.store = cache === undefined ? new MapStore(checkPeriodMs) : cache instanceof MapStore ? cache : new NodeCacheStore(cache);
    this.store.on('expired', this.onExpired);
  }

  protected readEntry(fullKey: string): unknown {
    const stored = this.store.get(fullKey);
    if (stored === undefined) return undefined;
    // Anything but an Entry was put into a shared node-cache by an older version: a plain tree.
    if (!(stored instanceof Entry)) return copyJson(stored);
    const copy = copyJson(stored.value);
    return stored instanceof StaleWindowEntry && Date.now() >= stored.freshUntil ? new StaleValue(copy) : copy;
  }

  protected override async readEntryMeta(fullKey: string): Promise<StoredEntry | undefined> {
    const stored = this.store.get(fullKey);
    if (stored === undefined) return undefined;
    if (!(stored instanceof Entry)) return { value: copyJson(stored), stale: false };
    return { value: copyJson(stored.value), stale: !isFresh(stored), writtenAt: stored.writtenAt };
  }

  /** Check and write in one synchronous step: no other call can run in between. */
  protected override writeEntryIfAbsent(fullKey: string, tree: unknown, expiryMs: number): boolean {
    if (isFresh(this.store.get(fullKey))) return false;
    this.writeEntry(fullKey, tree, expiryMs, 0);
    return true;
  }

  /**
   * The store's events, in order, one microtask later (never inside the caller's write). node-cache
   * reports an expiry as `del` then `expired`: reported once, as `expire`.
   */
  protected override openChangeFeed(sink: ChangeSink): ChangeFeedStop {
    const queue: [type: 'set' | 'delete' | 'expire', fullKey: string][] = [];
    const flush = (): void => {
      for (const [type, fullKey] of queue.splice(0)) sink(type, fullKey);
    };
    const push = (type: 'set' | 'delete' | 'expire', fullKey: unknown): void => {
      if (typeof fullKey !== 'string' || !fullKey.startsWith(this.prefix)) return;
      if (queue.length === 0) queueMicrotask(flush);
      queue.push([type, fullKey]);
    };
    const onSet = (key: unknown): void => push('set', key);
    const onDel = (key: unknown): void => push('delete', key);
    const onExpired = (key: unknown): void => {
      const last = queue[queue.length - 1];
      if (last && last[0] === 'delete' && last[1] === key) last[0] = 'expire';
      else push('expire', key);
    };
    this.store.on('set', onSet);
    this.store.on('del', onDel);
    this.store.on('expired', onExpired);
    return () => {
      this.store.off('set', onSet);
      this.store.off('del', onDel);
      this.store.off('expired', onExpired);
    };
  }

  /** The JSON tree itself is stored: validated and copied in one pass, no text in between. */
  protected override prepare(value: unknown): unknown {
    return toJsonTree(value);
  }

  protected override reveal(tree: unknown): unknown {
    return copyJson(tree);
  }

  protected writeEntry(fullKey: string, tree: unknown, expiryMs: number, staleMs: number): void {
    if (this.maxKeys !== Infinity) this.makeRoomFor([fullKey]);
    const now = Date.now();
    const expiresAt = now + expiryMs; // Infinity for no expiry
    if (staleMs > 0 && expiryMs !== Infinity) this.store.set(fullKey, new StaleWindowEntry(tree, now, expiresAt + staleMs, expiresAt));
    else this.store.write(fullKey, tree, now, expiresAt);
  }

  /** One read per key, each as readEntry answers it (stale entries as {@link StaleValue}). */
  protected override readEntryList(fullKeys: string[]): unknown[] {
    return fullKeys.map((fullKey) => this.readEntry(fullKey));
  }

  /** Makes room for every new key at once (all or nothing), then writes them all. */
  protected override async writeEntryList(entries: [string, unknown][], expiryMs: number): Promise<void> {
    if (this.maxKeys !== Infinity) this.makeRoomFor(entries.map(([fullKey]) => fullKey));
    const now = Date.now();
    const expiresAt = now + expiryMs;
    this.store.setMany(entries.map(([fullKey, tree]): [string, Entry] => [fullKey, new Entry(tree, now, expiresAt)]));
  }

  protected override async deleteEntryList(fullKeys: string[]): Promise<string[]> {
    return this.store.delete(fullKeys);
  }

  protected deleteEntry(fullKey: string): boolean {
    // An expired key reports false, as on Redis.
    return this.store.delete([fullKey]).length > 0;
  }

  protected hasEntry(fullKey: string): boolean {
    return isFresh(this.store.get(fullKey));
  }

  protected readEntries(fullPrefix: string): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const fullKey of this.store.keys()) {
      if (!fullKey.startsWith(fullPrefix)) continue;
      const stored = this.store.get(fullKey);
      if (!isFresh(stored)) continue;
      out.push([fullKey, copyJson(stored instanceof Entry ? stored.value : stored)]);
    }
    return out;
  }

  protected readKeys(fullPattern: string): string[] {
    const match = compileGlob(fullPattern);
    const out: string[] = [];
    for (const fullKey of this.store.keys()) {
      if (fullKey.startsWith(this.prefix) && match(fullKey) && isFresh(this.store.get(fullKey))) out.push(fullKey);
    }
    return out;
  }

  protected deleteEntries(fullPrefix: string): string[] {
    const matching: string[] = [];
    for (const fullKey of this.store.keys()) if (fullKey.startsWith(fullPrefix)) matching.push(fullKey);
    return this.store.delete(matching);
  }

  protected closeBackend(): void {
    this.store.off('expired', this.onExpired);
    if (this.ownsStore) this.store.close();
  }

  /** Enforces maxKeys for the keys about to be written: expired entries go first, then the write is refused. */
  private makeRoomFor(keys: string[]): void {
    const added = (): number => keys.reduce((n, key) => n + (this.store.has(key) ? 0 : 1), 0);
    if (this.store.size() + added() <= this.maxKeys) return;
    this.store.sweep();
    if (this.store.size() + added() <= this.maxKeys) return;
    throw new MotifsErrorUnavailable(`the memory cacher is full (maxKeys ${this.maxKeys}); nothing was written`, {
      retryable: false,
      details: { reason: 'full', maxKeys: this.maxKeys },
    });
  }
}

/** Whether a stored thing is a live value that is not past its freshness deadline. */
function isFresh(stored: unknown): boolean {
  if (stored === undefined) return false;
  return !(stored instanceof StaleWindowEntry) || Date.now() < stored.freshUntil;
}
