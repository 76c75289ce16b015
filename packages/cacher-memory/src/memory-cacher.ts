import NodeCache from 'node-cache';
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

// node-cache keeps entries in a plain object, where a key such as `__proto__` would meet
// Object.prototype. Every full key starts with the cacher marker (`motifs:cache:`, see core
// `key-layout.ts`), so none can, and full keys are stored as they are. A shared node-cache may hold
// other keys too: every listing and deletion only looks at keys under this cacher's prefix.

/**
 * What the cacher stores: the JSON tree, when it was written (for `getEntry`'s `ageMs`) and until
 * when it is fresh (`Infinity` unless it has a stale window: node-cache's TTL does the expiry).
 */
class Entry {
  constructor(readonly value: unknown, readonly writtenAt: number, readonly freshUntil: number) {}
}

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
 * The memory cacher: node-cache without its deep clone. Values are validated and stored as plain JSON
 * trees, then copied on read with a JSON-only copier: several times faster than node-cache's default
 * clone (and than a JSON round-trip) while still handing out isolated copies.
 */
export class MemoryCacher extends CacherBase<unknown> {
  private readonly cache: NodeCache;
  private readonly ownsCache: boolean;
  private readonly maxKeys: number;
  private readonly onExpired = (key: string): void => {
    if (typeof key === 'string') this.notifyExpired(key);
  };

  constructor(options: MemoryCacherOptions & CacherBaseSettings = {}) {
    super({ namespace: options.namespace, logger: options.logger });
    const { maxKeys, checkPeriodMs } = checkOptions(options);
    this.maxKeys = maxKeys;
    this.ownsCache = options.cache === undefined;
    this.cache = options.cache ?? new NodeCache({ stdTTL: 0, checkperiod: checkPeriodMs / 1000, useClones: false, deleteOnExpire: true });
    this.cache.on('expired', this.onExpired);
  }

  protected readEntry(fullKey: string): unknown {
    const stored: unknown = this.cache.get(fullKey);
    if (stored === undefined) return undefined;
    // Anything but an Entry was put into a shared node-cache by an older version: a plain tree.
    if (!(stored instanceof Entry)) return copyJson(stored);
    const copy = copyJson(stored.value);
    return stored.freshUntil === Infinity || Date.now() < stored.freshUntil ? copy : new StaleValue(copy);
  }

  protected override async readEntryMeta(fullKey: string): Promise<StoredEntry | undefined> {
    const stored: unknown = this.cache.get(fullKey);
    if (stored === undefined) return undefined;
    if (!(stored instanceof Entry)) return { value: copyJson(stored), stale: false };
    return { value: copyJson(stored.value), stale: !this.isFresh(stored), writtenAt: stored.writtenAt };
  }

  /** Check and write in one synchronous step: no other call can run in between. */
  protected override writeEntryIfAbsent(fullKey: string, tree: unknown, expiryMs: number): boolean {
    if (this.isFresh(this.cache.get(fullKey))) return false;
    this.writeEntry(fullKey, tree, expiryMs, 0);
    return true;
  }

  /**
   * node-cache's own events, in order, one microtask later (never inside the caller's write). An
   * expiry reaches node-cache listeners as `del` then `expired`: reported once, as `expire`.
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
    this.cache.on('set', onSet);
    this.cache.on('del', onDel);
    this.cache.on('expired', onExpired);
    return () => {
      this.cache.removeListener('set', onSet);
      this.cache.removeListener('del', onDel);
      this.cache.removeListener('expired', onExpired);
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
    this.makeRoomFor([fullKey]);
    const now = Date.now();
    if (staleMs > 0 && expiryMs !== Infinity) {
      const physical = expiryMs + staleMs;
      this.cache.set(fullKey, new Entry(tree, now, now + expiryMs), physical === Infinity ? 0 : physical / 1000);
    } else {
      this.cache.set(fullKey, new Entry(tree, now, Infinity), expiryMs === Infinity ? 0 : expiryMs / 1000);
    }
  }

  /** One node-cache `mget`; stale entries come back as {@link StaleValue}, as from readEntry. */
  protected override readEntryList(fullKeys: string[]): unknown[] {
    const stored = this.cache.mget<unknown>(fullKeys);
    const now = Date.now();
    return fullKeys.map((fullKey) => {
      if (!Object.prototype.hasOwnProperty.call(stored, fullKey)) return undefined;
      const value = stored[fullKey];
      if (!(value instanceof Entry)) return copyJson(value);
      return value.freshUntil === Infinity || now < value.freshUntil ? copyJson(value.value) : new StaleValue(copyJson(value.value));
    });
  }

  /** One node-cache `mset`, after making room for every new key at once (all or nothing). */
  protected override async writeEntryList(entries: [string, unknown][], expiryMs: number): Promise<void> {
    this.makeRoomFor(entries.map(([fullKey]) => fullKey));
    const ttl = expiryMs === Infinity ? 0 : expiryMs / 1000;
    const now = Date.now();
    this.cache.mset(entries.map(([key, tree]) => ({ key, val: new Entry(tree, now, Infinity), ttl })));
  }

  protected override async deleteEntryList(fullKeys: string[]): Promise<string[]> {
    // has() drops entries whose time is up, so only live ones are counted, as by deleteEntry.
    const existing = fullKeys.filter((fullKey) => this.cache.has(fullKey));
    this.cache.del(existing);
    return existing;
  }

  protected deleteEntry(fullKey: string): boolean {
    // has() drops an entry whose time is up, so an expired key reports false as on Redis.
    return this.cache.has(fullKey) && this.cache.del(fullKey) > 0;
  }

  protected hasEntry(fullKey: string): boolean {
    return this.isFresh(this.cache.get(fullKey));
  }

  protected readEntries(fullPrefix: string): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const fullKey of this.cache.keys()) {
      if (!fullKey.startsWith(fullPrefix)) continue;
      const stored: unknown = this.cache.get(fullKey);
      if (!this.isFresh(stored)) continue;
      out.push([fullKey, copyJson(stored instanceof Entry ? stored.value : stored)]);
    }
    return out;
  }

  protected readKeys(fullPattern: string): string[] {
    const match = compileGlob(fullPattern);
    const out: string[] = [];
    for (const fullKey of this.cache.keys()) {
      if (fullKey.startsWith(this.prefix) && match(fullKey) && this.isFresh(this.cache.get(fullKey))) out.push(fullKey);
    }
    return out;
  }

  protected deleteEntries(fullPrefix: string): string[] {
    const deleted: string[] = [];
    for (const fullKey of this.cache.keys()) {
      if (fullKey.startsWith(fullPrefix) && this.cache.has(fullKey) && this.cache.del(fullKey) > 0) deleted.push(fullKey);
    }
    return deleted;
  }

  protected closeBackend(): void {
    this.cache.removeListener('expired', this.onExpired);
    if (this.ownsCache) {
      this.cache.flushAll();
      // flushAll restarts the sweep timer, so close() comes after it.
      this.cache.close();
    }
  }

  private isFresh(stored: unknown): boolean {
    if (stored === undefined) return false;
    return !(stored instanceof Entry) || stored.freshUntil === Infinity || Date.now() < stored.freshUntil;
  }

  /** Enforces maxKeys for the keys about to be written: expired entries go first, then the write is refused. */
  private makeRoomFor(keys: string[]): void {
    if (this.maxKeys === Infinity) return;
    const added = (): number => keys.reduce((n, key) => n + (this.cache.has(key) ? 0 : 1), 0);
    if (this.cache.getStats().keys + added() <= this.maxKeys) return;
    for (const k of this.cache.keys()) this.cache.has(k);
    if (this.cache.getStats().keys + added() <= this.maxKeys) return;
    throw new MotifsErrorUnavailable(`the memory cacher is full (maxKeys ${this.maxKeys}); nothing was written`, {
      retryable: false,
      details: { reason: 'full', maxKeys: this.maxKeys },
    });
  }
}
