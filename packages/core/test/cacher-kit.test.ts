// CacherBase's getOrSet bookkeeping with a backend whose reads we release by hand, so the
// interleavings a real Redis produces under load are replayed deterministically.
import { describe, expect, it, jest } from '@jest/globals';
import { CacherBase, MotifsErrorAborted, MotifsErrorUnavailable, StaleValue, abortedError, cacherKeyPrefix, checkSignal, decodeJson, raceAbort } from '../src/kit.js';

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

/** An adapter with only the single-key primitives: the batch calls fall back to them. */
class MapCacher extends GatedCacher {
  protected override readEntry(fullKey: string): Promise<unknown> {
    const text = this.data.get(fullKey);
    return Promise.resolve(text === undefined ? undefined : text.startsWith('"stale') ? new StaleValue(decodeJson(text)) : decodeJson(text));
  }
}

describe('batch calls on an adapter without batch primitives', () => {
  it('getItems, setItems and delItems work through the single-key primitives', async () => {
    const cacher = new MapCacher({ namespace: 'n' });
    expect(await cacher.setItems({ a: 1, b: 'stale b' }, 60_000)).toBe(true);
    expect([...cacher.data.keys()]).toEqual(['motifs:cache:n:a', 'motifs:cache:n:b']);
    // A stale entry is a miss, as for getItem.
    expect(await cacher.getItems(['a', 'b', 'c', 'a'])).toEqual({ a: 1 });
    expect(cacher.stats()).toMatchObject({ hits: 1, misses: 2, sets: 2 });
    expect(await cacher.delItems(['a', 'c', 'a'])).toBe(1);
    expect(cacher.stats().deletes).toBe(1);
  });

  it('validates every key first and reports the bad one by index', async () => {
    const cacher = new MapCacher();
    const err = await cacher.delItems(['a', 'b', '']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MOTIFS_VALIDATION', issues: [{ path: ['keys', 2] }] });
    await expect(cacher.setItems({ ok: 1, bad: () => 1 }, 60_000)).rejects.toMatchObject({ code: 'MOTIFS_SERIALIZATION' });
    expect(cacher.data.size).toBe(0);
    await cacher.close();
    await expect(cacher.getItems([])).rejects.toBeInstanceOf(MotifsErrorUnavailable);
  });
});

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

describe('getOrSet with an AbortSignal', () => {
  it('a caller aborting during its read rejects at once; the read is let go', async () => {
    const cacher = new GatedCacher();
    const controller = new AbortController();
    const loader = jest.fn(() => 'v');
    const pending = cacher.getOrSet('k', loader, { expiryMs: 1000, signal: controller.signal });
    await turn();
    controller.abort('stop');
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsErrorAborted);
    expect((err as Error).cause).toBe('stop');
    cacher.releaseRead();
    await turn();
    expect(loader).not.toHaveBeenCalled();
    expect(cacher.flightCount()).toBe(0);
  });

  it('a read that began before a run was abandoned starts its own load', async () => {
    const cacher = new GatedCacher();
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const loader = jest.fn(({ signal }: { signal: AbortSignal }) => {
      signals.push(signal);
      return new Promise<string>((resolve) => setTimeout(() => resolve(`v${signals.length}`), 5));
    });
    const a = cacher.getOrSet('k', loader, { expiryMs: 1000, signal: controller.signal });
    const b = cacher.getOrSet('k', loader, { expiryMs: 1000 });
    cacher.releaseRead(); // a misses and starts the run
    await turn();
    controller.abort();
    await expect(a).rejects.toBeInstanceOf(MotifsErrorAborted);
    expect(signals[0]!.aborted).toBe(true);
    cacher.releaseRead(); // b missed before the run settled, but the run was abandoned
    expect(await b).toBe('v2');
    expect(loader).toHaveBeenCalledTimes(2);
    expect(signals[1]!.aborted).toBe(false);
    expect(cacher.flightCount()).toBe(0);
  });

  it('a stale refresh keeps running when the caller that triggered it aborts afterwards', async () => {
    const cacher = new GatedCacher();
    (cacher as unknown as { readEntry: () => Promise<unknown> }).readEntry = () => Promise.resolve(new StaleValue('old'));
    let release!: (v: string) => void;
    let loaderSignal!: AbortSignal;
    const refresh = ({ signal }: { signal: AbortSignal }): Promise<string> => {
      loaderSignal = signal;
      return new Promise((resolve) => (release = resolve));
    };
    const controller = new AbortController();
    expect(await cacher.getOrSet('k', refresh, { expiryMs: 1000, staleMs: 1000, signal: controller.signal })).toBe('old');
    controller.abort();
    expect(loaderSignal.aborted).toBe(false);
    release('new');
    await turn();
    expect(cacher.data.get(`${cacherKeyPrefix('')}k`)).toBe('"new"');
  });

  it('a loader that never settles is forgotten once every caller aborted', async () => {
    const cacher = new GatedCacher();
    const controller = new AbortController();
    const pending = cacher.getOrSet('k', () => new Promise<string>(() => {}), { expiryMs: 1000, signal: controller.signal });
    cacher.releaseRead();
    await turn();
    expect(cacher.flightCount()).toBe(1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(MotifsErrorAborted);
    expect(cacher.flightCount()).toBe(0);
  });
});

describe('abort helpers', () => {
  it('raceAbort with an aborted signal rejects at once and calls onAbort', async () => {
    const onAbort = jest.fn();
    const settled = Promise.reject(new Error('ignored'));
    await expect(raceAbort(settled, AbortSignal.abort('why'), onAbort)).rejects.toMatchObject({ code: 'MOTIFS_ABORTED', cause: 'why' });
    expect(onAbort).toHaveBeenCalledTimes(1);
  });

  it('raceAbort follows the promise and its rejection when the signal stays quiet', async () => {
    const controller = new AbortController();
    const onAbort = jest.fn();
    await expect(raceAbort(Promise.resolve(1), controller.signal, onAbort)).resolves.toBe(1);
    const boom = new Error('boom');
    await expect(raceAbort(Promise.reject(boom), controller.signal, onAbort)).rejects.toBe(boom);
    controller.abort();
    expect(onAbort).not.toHaveBeenCalled();
    await expect(raceAbort(Promise.resolve(2), undefined)).resolves.toBe(2);
  });

  it('checkSignal accepts undefined and signals, refuses anything else', () => {
    const signal = new AbortController().signal;
    expect(checkSignal(undefined)).toBeUndefined();
    expect(checkSignal(signal)).toBe(signal);
    expect(() => checkSignal({}, ['listen', 'signal'])).toThrow(/listen\.signal must be an AbortSignal/);
    expect(abortedError(AbortSignal.abort('r'), 'listen()').message).toBe('listen() was aborted');
  });
});
