// The cacher extras at the kit level: the stored-text header old and new versions both read, the
// defaults an adapter without the new primitives gets, per-result decisions, and watch fan-out.
import { describe, expect, it } from '@jest/globals';
import {
  CACHE_DECISION,
  CacherBase,
  CacherWatches,
  MotifsErrorUnavailable,
  MotifsErrorValidation,
  STORED_HEAD_LENGTH,
  WRITE_STAMP_LENGTH,
  StaleValue,
  cacheable,
  decodeJson,
  decodeStoredEntry,
  decodeStoredText,
  isCacheDecision,
  isStoredTextFresh,
  readWriteStamp,
  resolveCacheDecision,
  stampWriteTime,
  uncacheable,
  wrapStaleText,
  wrapStoredText,
  type CacherChange,
  type ChangeSink,
} from '../src/kit.js';

/** The reader of the layout before write times were kept (motifs 0.1), verbatim in behaviour. */
function oldDecode(text: string, now = Date.now()): unknown {
  if (text.charCodeAt(0) !== 0) return decodeJson(text);
  const end = text.indexOf('\u0000', 1);
  const value = decodeJson(text.slice(end + 1));
  return now < Number(text.slice(1, end)) ? value : new StaleValue(value);
}

describe('stored text with a write time', () => {
  const now = 1_764_412_345_678;

  it('the write time is trailing JSON whitespace: any JSON reader, and an older motifs, reads the value unchanged', () => {
    const plain = wrapStoredText('{"a":1}', now);
    expect(plain.startsWith('{"a":1}')).toBe(true);
    expect(plain.length).toBe('{"a":1}'.length + WRITE_STAMP_LENGTH);
    expect(/^\s+$/.test(plain.slice('{"a":1}'.length))).toBe(true);
    expect(JSON.parse(plain)).toEqual({ a: 1 });
    expect(oldDecode(plain, now + 10 ** 12)).toEqual({ a: 1 });
    const stale = wrapStoredText('"v"', now, now + 1000);
    expect(oldDecode(stale, now + 999)).toBe('v');
    expect(oldDecode(stale, now + 1000)).toBeInstanceOf(StaleValue);
    expect(isStoredTextFresh(plain.slice(0, STORED_HEAD_LENGTH), now)).toBe(true);
    expect(isStoredTextFresh(stale.slice(0, STORED_HEAD_LENGTH), now + 1000)).toBe(false);
  });

  it('round-trips write times, and finds none in values of earlier versions or foreign whitespace', () => {
    for (const at of [0, 1, now, 4 ** 22 - 1]) expect(readWriteStamp(stampWriteTime('1', at))).toBe(at);
    expect(decodeStoredEntry(wrapStoredText('[1]', now), now + 5)).toEqual({ value: [1], stale: false, writtenAt: now });
    expect(decodeStoredEntry(wrapStoredText('[1]', now, now + 10), now + 10)).toEqual({ value: [1], stale: true, writtenAt: now });
    expect(decodeStoredEntry('{"old":true}')).toEqual({ value: { old: true }, stale: false });
    expect(decodeStoredEntry(wrapStaleText('1', now + 10), now)).toEqual({ value: 1, stale: false });
    expect(decodeStoredEntry(`1${' '.repeat(WRITE_STAMP_LENGTH)}`)).toEqual({ value: 1, stale: false });
    expect(readWriteStamp('')).toBeUndefined();
    expect(decodeStoredText(wrapStoredText('2', now), now)).toBe(2);
  });
});

class MapCacher extends CacherBase {
  readonly data = new Map<string, string>();
  protected readEntry(fullKey: string): unknown {
    const text = this.data.get(fullKey);
    return text === undefined ? undefined : decodeJson(text);
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
}

describe('an adapter without the new primitives', () => {
  it('ifAbsent and watch reject unsupported (not retryable) and change nothing; getEntry works without an age', async () => {
    const cacher = new MapCacher({ namespace: 'n' });
    const ifAbsent = await cacher.setItem('k', 1, 1000, { ifAbsent: true }).catch((e: unknown) => e);
    expect(ifAbsent).toBeInstanceOf(MotifsErrorUnavailable);
    expect(ifAbsent).toMatchObject({ retryable: false, details: { reason: 'unsupported', feature: 'setItem ifAbsent' } });
    expect(cacher.data.size).toBe(0);
    await expect(cacher.watch('*', () => undefined)).rejects.toMatchObject({ details: { reason: 'unsupported', feature: 'watch' } });
    await cacher.setItem('k', 1, 1000);
    expect(await cacher.getEntry('k')).toEqual({ hit: true, value: 1, ageMs: undefined, stale: false });
  });
});

describe('cacheable / uncacheable', () => {
  it('are recognised by brand only, and resolve against the call\'s options', () => {
    expect(isCacheDecision(cacheable(1))).toBe(true);
    expect(isCacheDecision({ decision: 'cacheable', value: 1 })).toBe(false);
    expect(isCacheDecision({ [Symbol.for('@motifs/core/cache-decision')]: 1 })).toBe(true);
    expect(cacheable('v', { expiryMs: 1.2 })[CACHE_DECISION]).toBe('v');
    expect(resolveCacheDecision(cacheable('v', { expiryMs: 1.2 }), 100, 5)).toEqual({ value: 'v', store: true, expiryMs: 2, staleMs: 5 });
    expect(resolveCacheDecision(cacheable('v', { staleMs: 7 }), 100, 5)).toEqual({ value: 'v', store: true, expiryMs: 100, staleMs: 7 });
    expect(resolveCacheDecision(uncacheable('v'), 100, 5)).toMatchObject({ value: 'v', store: false });
    expect(resolveCacheDecision('plain', 100, 0)).toEqual({ value: 'plain', store: true, expiryMs: 100, staleMs: 0 });
    expect(Object.isFrozen(uncacheable(1))).toBe(true);
  });

  it('refuse bad options at once', () => {
    for (const options of [null, 3, [], { expiryMs: 0 }, { expiryMs: Number.NaN }, { staleMs: -1 }]) {
      expect(() => cacheable(1, options as { expiryMs: number })).toThrow(MotifsErrorValidation);
    }
  });
});

describe('CacherWatches', () => {
  it('opens one feed for many watches, retries a feed that failed to open, stops it with the last watch', async () => {
    let opens = 0;
    let stops = 0;
    let fail = true;
    let sink: ChangeSink = () => undefined;
    const errors: [string, unknown][] = [];
    const watches = new CacherWatches('p:', (s) => {
      opens++;
      if (fail) throw new MotifsErrorUnavailable('off', { retryable: false });
      sink = s;
      return () => void stops++;
    }, (key, error) => void errors.push([key, error]));
    await expect(watches.add('*', () => undefined)).rejects.toBeInstanceOf(MotifsErrorUnavailable);
    fail = false;
    const seen: string[] = [];
    const a = await watches.add('a*', ({ type, key }: CacherChange) => void seen.push(`a ${type}:${key}`));
    const b = await watches.add({ prefix: '' }, ({ type, key }: CacherChange) => {
      seen.push(`b ${type}:${key}`);
      if (key === 'boom') throw new Error('handler');
    });
    expect(opens).toBe(2);
    sink('set', 'p:ab');
    sink('delete', 'other:ab');
    sink('expire', 'p:boom');
    expect(seen).toEqual(['a set:ab', 'b set:ab', 'b expire:boom']);
    expect(errors.map(([key]) => key)).toEqual(['boom']);
    await a.close();
    expect(stops).toBe(0);
    await b[Symbol.asyncDispose]();
    expect(stops).toBe(1);
    await b.close();
    expect(stops).toBe(1);
  });
});
