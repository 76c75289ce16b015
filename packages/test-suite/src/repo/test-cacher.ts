import { MotifsErrorNotFound, MotifsErrorUnavailable } from '@motifs/core';
import { type WithCacheCacher } from '@motifs/core/kit';

/**
 * A Map-backed cacher for withCache tests: stores JSON copies like a real one, counts calls and
 * can be told to fail, so cache hits and failure paths are observable.
 */
export class TestCacher implements WithCacheCacher {
  readonly entries = new Map<string, { json: string; expiryMs: number }>();
  readonly calls = { getItem: 0, setItem: 0, delItem: 0, hits: 0 };
  failing: Partial<Record<'getItem' | 'setItem' | 'delItem', boolean>> = {};

  async getItem<T = unknown>(key: string): Promise<T> {
    this.calls.getItem++;
    if (this.failing.getItem) throw new MotifsErrorUnavailable('test cacher is down');
    const entry = this.entries.get(key);
    if (!entry) throw new MotifsErrorNotFound(`no ${key}`);
    this.calls.hits++;
    return JSON.parse(entry.json) as T;
  }

  async setItem(key: string, val: unknown, expiryMs: number): Promise<boolean> {
    this.calls.setItem++;
    if (this.failing.setItem) throw new MotifsErrorUnavailable('test cacher is down');
    this.entries.set(key, { json: JSON.stringify(val), expiryMs });
    return true;
  }

  async delItem(key: string): Promise<boolean> {
    this.calls.delItem++;
    if (this.failing.delItem) throw new MotifsErrorUnavailable('test cacher is down');
    return this.entries.delete(key);
  }
}
