// CacherBase's getOrSet bookkeeping with a backend whose reads we release by hand, so the
// interleavings a real Redis produces under load are replayed deterministically.
import { describe, expect, it } from '@jest/globals';
import { CacherBase, MotifsErrorUnavailable, StaleValue, cacherKeyPrefix, decodeJson } from '../src/index.js';

class GatedCacher extends CacherBase {
  readonly data = new Map<string, string>();
  readonly pendingReads: (() => void)[] = [];
  failReads = false;
  protected readEntry(fullKey: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // The value is looked up when the read is sent, as Redis answers in order.
      const text = this.data.get(fullKey);
      this.pendingReads.push(() => (this.failReads ? reject(new MotifsErrorUnavailable('down')) : resolve(text === undefined ? undefined : decodeJson(text))));
    });
  }
  protected writeEntry(fullKey: string, encoded: string): void {
    this.data.set(fullKey, encoded);
  }
  protected deleteEntry(fullKey: string): boolean {
    return this.data.delete(fullKey);
  }
  protected hasEntry(fullKey: string): boolean {
    return this.data.has(fullKey);
  }
  protected readEntries(): [string, unknown][] {
    return [];
  }
  protected readKeys(): string[] {
    return [];
  }
  protected deleteEntries(): string[] {
    return [];
  }
  protected closeBackend(): void {}
  releaseRead(): void {
    this.pendingReads.shift()!();
  }
  flightCount(): number {
    return (this as unknown as { flights: Map<string, unknown> }).flights.size;
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('getOrSet single flight', () => {
  it('a read sent before a load finished shares that load instead of starting another', async () => {
    const cacher = new GatedCacher();
    let calls = 0;
    const loader = async (): Promise<string> => `v${++calls}`;
    const a = cacher.getOrSet('k', loader, { expiryMs: 1000 });
    const b = cacher.getOrSet('k', loader, { expiryMs: 1000 });
    cacher.releaseRead(); // a misses, its load runs and writes
    expect(await a).toBe('v1');
    cacher.releaseRead(); // b's read was sent before the write: it missed too
    expect(await b).toBe('v1');
    expect(calls).toBe(1);
    expect(cacher.flightCount()).toBe(0);
  });

  it('a failed load is shared with reads that began before it failed, not with later ones', async () => {
    const cacher = new GatedCacher();
    let calls = 0;
    const boom = new Error('boom');
    const failing = async (): Promise<string> => {
      calls++;
      throw boom;
    };
    const a = cacher.getOrSet('k', failing, { expiryMs: 1000 }).catch((e: unknown) => e);
    const b = cacher.getOrSet('k', failing, { expiryMs: 1000 }).catch((e: unknown) => e);
    cacher.releaseRead();
    expect(await a).toBe(boom);
    cacher.releaseRead();
    expect(await b).toBe(boom);
    expect(calls).toBe(1);
    const later = cacher.getOrSet('k', async () => 'ok', { expiryMs: 1000 });
    cacher.releaseRead();
    expect(await later).toBe('ok');
    expect(cacher.flightCount()).toBe(0);
  });

  it('a read failing as unavailable still loads, and the bookkeeping is released', async () => {
    const cacher = new GatedCacher();
    cacher.failReads = true;
    const reported = cacher.em.once('error');
    const a = cacher.getOrSet('k', () => 'from loader', { expiryMs: 1000 });
    await turn();
    cacher.releaseRead();
    expect(await a).toBe('from loader');
    expect((await reported).error).toBeInstanceOf(MotifsErrorUnavailable);
    expect(cacher.flightCount()).toBe(0);
  });

  it('a stale value starts one refresh however many readers see it', async () => {
    const cacher = new GatedCacher();
    (cacher as unknown as { readEntry: () => Promise<unknown> }).readEntry = () => Promise.resolve(new StaleValue('old'));
    let calls = 0;
    let release!: (v: string) => void;
    const refresh = (): Promise<string> => {
      calls++;
      return new Promise((resolve) => {
        release = resolve;
      });
    };
    const served = await Promise.all([1, 2, 3].map(() => cacher.getOrSet('k', refresh, { expiryMs: 1000, staleMs: 1000 })));
    expect(served).toEqual(['old', 'old', 'old']);
    expect(calls).toBe(1);
    release('new');
    await turn();
    expect(cacher.data.get(`${cacherKeyPrefix('')}k`)).toBe('"new"');
    expect(cacher.flightCount()).toBe(0);
  });
});
