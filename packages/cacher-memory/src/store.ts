import type NodeCache from 'node-cache';

/**
 * What the cacher stores per key: the JSON tree, when it was written (for `getEntry`'s `ageMs`) and
 * when it goes away (`expiresAt`, `Infinity` for never). An entry kept for a getOrSet stale window
 * is a {@link StaleWindowEntry}: the common entry carries no freshness deadline (one boxed number
 * less per entry).
 */
export class Entry {
  // Mutable for the Map store only, which rewrites a plain entry in place on overwrite.
  constructor(public value: unknown, public writtenAt: number, public expiresAt: number) {}
}

/** An entry that stays readable, as stale, from `freshUntil` until `expiresAt`. */
export class StaleWindowEntry extends Entry {
  constructor(value: unknown, writtenAt: number, expiresAt: number, readonly freshUntil: number) {
    super(value, writtenAt, expiresAt);
  }
}

/** What the store reports: a write, a deletion, an expiry (node-cache's own event names). */
export type StoreEvent = 'set' | 'del' | 'expired';
export type StoreListener = (fullKey: string) => void;

/**
 * The few operations the cacher needs from where entries live: its own {@link MapStore}, or a
 * node-cache shared with other code ({@link NodeCacheStore}). Reads drop (and report) entries whose
 * time is up, so every read sees live entries only.
 */
export interface EntryStore {
  /** The live entry (anything but an {@link Entry} is a bare value an older version wrote to a shared node-cache). */
  get(fullKey: string): unknown;
  set(fullKey: string, entry: Entry): void;
  /** `set` of a plain {@link Entry} with these fields (the Map store reuses the one it holds). */
  write(fullKey: string, value: unknown, writtenAt: number, expiresAt: number): void;
  setMany(entries: [string, Entry][]): void;
  has(fullKey: string): boolean;
  /** Deletes live keys; returns those that were. */
  delete(fullKeys: string[]): string[];
  keys(): Iterable<string>;
  /** Keys held, expired ones not yet dropped included. */
  size(): number;
  /** Drops every expired entry. */
  sweep(): void;
  on(event: StoreEvent, listener: StoreListener): void;
  off(event: StoreEvent, listener: StoreListener): void;
  close(): void;
}

/**
 * The private store of a cacher: one `Map` of entries. No per-write bookkeeping beyond the entry
 * itself (node-cache sizes every value, wraps it in another object and emits an event per write),
 * and events only reach listeners that exist. Expiry as node-cache has it: an entry is gone once
 * `Date.now()` passes `expiresAt`, noticed on access or by the sweep every `checkPeriodMs` (an
 * `unref`'d timer).
 */
export class MapStore implements EntryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: Record<StoreEvent, StoreListener[]> = { set: [], del: [], expired: [] };
  private readonly timer: ReturnType<typeof setInterval> | undefined;

  constructor(checkPeriodMs: number) {
    if (checkPeriodMs > 0) {
      this.timer = setInterval(() => this.sweep(), checkPeriodMs);
      this.timer.unref();
    }
  }

  get(fullKey: string): Entry | undefined {
    const entry = this.entries.get(fullKey);
    if (entry === undefined || entry.expiresAt === Infinity || entry.expiresAt >= Date.now()) return entry;
    this.expire(fullKey);
    return undefined;
  }

  set(fullKey: string, entry: Entry): void {
    this.entries.set(fullKey, entry);
    if (this.listeners.set.length > 0) this.notify('set', fullKey);
  }

  write(fullKey: string, value: unknown, writtenAt: number, expiresAt: number): void {
    // An overwrite rewrites the entry in place: one lookup, no new entry (nor its boxed numbers) to
    // allocate and collect. Nothing keeps an entry across a call: every read copies at once.
    const found = this.entries.get(fullKey);
    if (found === undefined || found instanceof StaleWindowEntry) {
      this.entries.set(fullKey, new Entry(value, writtenAt, expiresAt));
    } else {
      found.value = value;
      found.writtenAt = writtenAt;
      found.expiresAt = expiresAt;
    }
    if (this.listeners.set.length > 0) this.notify('set', fullKey);
  }

  setMany(entries: [string, Entry][]): void {
    for (const [fullKey, entry] of entries) this.set(fullKey, entry);
  }

  has(fullKey: string): boolean {
    return this.get(fullKey) !== undefined;
  }

  delete(fullKeys: string[]): string[] {
    const deleted: string[] = [];
    for (const fullKey of fullKeys) {
      if (this.get(fullKey) === undefined) continue;
      this.entries.delete(fullKey);
      deleted.push(fullKey);
      if (this.listeners.del.length > 0) this.notify('del', fullKey);
    }
    return deleted;
  }

  keys(): Iterable<string> {
    // A Map iterator survives deletions made while it runs (an expired entry met on the way).
    return this.entries.keys();
  }

  size(): number {
    return this.entries.size;
  }

  sweep(): void {
    const now = Date.now();
    for (const [fullKey, entry] of this.entries) if (entry.expiresAt < now) this.expire(fullKey);
  }

  on(event: StoreEvent, listener: StoreListener): void {
    this.listeners[event].push(listener);
  }

  off(event: StoreEvent, listener: StoreListener): void {
    const list = this.listeners[event];
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.entries.clear();
  }

  private expire(fullKey: string): void {
    this.entries.delete(fullKey);
    if (this.listeners.expired.length > 0) this.notify('expired', fullKey);
  }

  private notify(event: StoreEvent, fullKey: string): void {
    // A copy: a listener may remove itself.
    for (const listener of [...this.listeners[event]]) listener(fullKey);
  }
}

/** node-cache's TTL, in seconds (0: none), of an entry. */
function ttlSeconds(entry: Entry): number {
  return entry.expiresAt === Infinity ? 0 : (entry.expiresAt - entry.writtenAt) / 1000;
}

/**
 * A node-cache the caller shares between cachers (and maybe other code), used as it is: node-cache
 * does the expiry and emits the events. It is the caller's: {@link NodeCacheStore.close} leaves it open.
 */
export class NodeCacheStore implements EntryStore {
  constructor(private readonly cache: NodeCache) {}

  get(fullKey: string): unknown {
    return this.cache.get(fullKey);
  }

  set(fullKey: string, entry: Entry): void {
    this.cache.set(fullKey, entry, ttlSeconds(entry));
  }

  write(fullKey: string, value: unknown, writtenAt: number, expiresAt: number): void {
    this.set(fullKey, new Entry(value, writtenAt, expiresAt));
  }

  setMany(entries: [string, Entry][]): void {
    this.cache.mset(entries.map(([key, val]) => ({ key, val, ttl: ttlSeconds(val) })));
  }

  has(fullKey: string): boolean {
    return this.cache.has(fullKey);
  }

  delete(fullKeys: string[]): string[] {
    // has() drops entries whose time is up, so only live ones are deleted and counted.
    const existing = fullKeys.filter((fullKey) => this.cache.has(fullKey));
    if (existing.length > 0) this.cache.del(existing);
    return existing;
  }

  keys(): Iterable<string> {
    return this.cache.keys();
  }

  size(): number {
    return this.cache.getStats().keys;
  }

  sweep(): void {
    for (const fullKey of this.cache.keys()) this.cache.has(fullKey);
  }

  on(event: StoreEvent, listener: StoreListener): void {
    this.cache.on(event, listener);
  }

  off(event: StoreEvent, listener: StoreListener): void {
    this.cache.removeListener(event, listener);
  }

  close(): void {
    // Only private stores are closed, and a node-cache is never one.
  }
}
