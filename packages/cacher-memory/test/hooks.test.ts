// Production hooks on the memory cacher: getOrSet's AbortSignal, tracing channels, the logger,
// and `await using`.
import { tracingChannel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  MOTIFS_TRACED_OPERATIONS,
  MotifsErrorAborted,
  MotifsErrorNotFound,
  MotifsErrorUnavailable,
  MotifsErrorValidation,
  UNHEARD_WARNING_INTERVAL_MS,
  type GetOrSetLoaderContext,
  type ICacher,
  type MotifsLogger,
  type MotifsTraceContext,
} from '@motifs/core/kit';
import { createCacher, createMemoryCacher } from '../src/index.js';

const open: ICacher[] = [];
afterEach(async () => {
  jest.restoreAllMocks();
  for (const c of open.splice(0)) await c.close();
});
function track<C extends ICacher>(cacher: C): C {
  open.push(cacher);
  return cacher;
}

/** A loader whose result the test releases; records the signal it was given. */
function gatedLoader<T>(value: T) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const signals: AbortSignal[] = [];
  const loader = jest.fn(async ({ signal }: GetOrSetLoaderContext) => {
    signals.push(signal);
    await gate;
    return value;
  });
  return { loader, release, signals };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('getOrSet with an AbortSignal', () => {
  it('an already-aborted signal rejects with MotifsErrorAborted and never calls the loader', async () => {
    const cacher = track(createMemoryCacher());
    const reason = new Error('user left');
    const loader = jest.fn(() => 1);
    const err = await cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsErrorAborted);
    expect((err as MotifsErrorAborted).code).toBe('MOTIFS_ABORTED');
    expect((err as MotifsErrorAborted).cause).toBe(reason);
    expect(loader).not.toHaveBeenCalled();
  });

  it('rejects at once when the only caller aborts; the loader is aborted and its value not cached', async () => {
    const cacher = track(createMemoryCacher());
    const { loader, release, signals } = gatedLoader('late');
    const controller = new AbortController();
    const pending = cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: controller.signal });
    await tick();
    expect(signals[0]!.aborted).toBe(false);
    controller.abort(new Error('timeout'));
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsErrorAborted);
    expect((err as Error & { cause: Error }).cause.message).toBe('timeout');
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(MotifsErrorAborted);
    release();
    await tick();
    expect(await cacher.hasItem('k')).toBe(false);
    expect(cacher.stats().sets).toBe(0);
  });

  it('a shared load carries on while another caller still waits', async () => {
    const cacher = track(createMemoryCacher());
    const { loader, release, signals } = gatedLoader({ v: 1 });
    const quitter = new AbortController();
    const first = cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: quitter.signal });
    const patient = new AbortController();
    const second = cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: patient.signal });
    await tick();
    quitter.abort();
    await expect(first).rejects.toBeInstanceOf(MotifsErrorAborted);
    expect(signals[0]!.aborted).toBe(false);
    release();
    await expect(second).resolves.toEqual({ v: 1 });
    expect(loader).toHaveBeenCalledTimes(1);
    expect(await cacher.getItem('k')).toEqual({ v: 1 });
  });

  it('a caller without a signal keeps the shared load alive', async () => {
    const cacher = track(createMemoryCacher());
    const { loader, release, signals } = gatedLoader('kept');
    const controller = new AbortController();
    const aborted = cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: controller.signal });
    const plain = cacher.getOrSet('k', loader, { expiryMs: 60_000 });
    await tick();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(MotifsErrorAborted);
    expect(signals[0]!.aborted).toBe(false);
    release();
    await expect(plain).resolves.toBe('kept');
    expect(await cacher.getItem('k')).toBe('kept');
  });

  it('the shared load is aborted only when the last waiting caller aborts', async () => {
    const cacher = track(createMemoryCacher());
    const { loader, release, signals } = gatedLoader('unused');
    const a = new AbortController();
    const b = new AbortController();
    const first = cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: a.signal });
    const second = cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: b.signal });
    await tick();
    a.abort();
    await expect(first).rejects.toBeInstanceOf(MotifsErrorAborted);
    expect(signals[0]!.aborted).toBe(false);
    b.abort();
    await expect(second).rejects.toBeInstanceOf(MotifsErrorAborted);
    expect(signals[0]!.aborted).toBe(true);
    release();
    await tick();
    expect(await cacher.hasItem('k')).toBe(false);
  });

  it('a caller after an abandoned load starts its own, and the abandoned value is never written', async () => {
    const cacher = track(createMemoryCacher());
    const abandoned = gatedLoader('old');
    const controller = new AbortController();
    const first = cacher.getOrSet('k', abandoned.loader, { expiryMs: 60_000, signal: controller.signal });
    await tick();
    controller.abort();
    await expect(first).rejects.toBeInstanceOf(MotifsErrorAborted);
    const fresh = gatedLoader('new');
    const second = cacher.getOrSet('k', fresh.loader, { expiryMs: 60_000 });
    await tick();
    expect(fresh.loader).toHaveBeenCalledTimes(1);
    abandoned.release();
    await tick();
    expect(await cacher.hasItem('k')).toBe(false);
    fresh.release();
    await expect(second).resolves.toBe('new');
    expect(await cacher.getItem('k')).toBe('new');
  });

  it('a loader that rejects after its abort reaches nobody and is not reported', async () => {
    const cacher = track(createMemoryCacher());
    const errors: unknown[] = [];
    cacher.em.on('error', (e) => void errors.push(e));
    const controller = new AbortController();
    const loader = ({ signal }: GetOrSetLoaderContext) =>
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('fetch aborted'))));
    const pending = cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: controller.signal });
    await tick();
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(MotifsErrorAborted);
    await tick();
    expect(errors).toEqual([]);
  });

  it('the loader gets a live signal when no caller passed one, and a hit ignores the signal', async () => {
    const cacher = track(createMemoryCacher());
    let seen: AbortSignal | undefined;
    expect(await cacher.getOrSet('k', ({ signal }) => ((seen = signal), 'v'), { expiryMs: 60_000 })).toBe('v');
    expect(seen).toBeInstanceOf(AbortSignal);
    expect(seen!.aborted).toBe(false);
    const controller = new AbortController();
    expect(await cacher.getOrSet('k', () => 'other', { expiryMs: 60_000, signal: controller.signal })).toBe('v');
  });

  it('removes its abort listener once the call settles', async () => {
    const cacher = track(createMemoryCacher());
    const controller = new AbortController();
    const add = jest.spyOn(controller.signal, 'addEventListener');
    const remove = jest.spyOn(controller.signal, 'removeEventListener');
    await cacher.getOrSet('k', async () => 'v', { expiryMs: 60_000, signal: controller.signal });
    expect(add.mock.calls.length).toBeGreaterThan(0);
    expect(remove.mock.calls.length).toBe(add.mock.calls.length);
  });

  it.each([['a string', 'abort'], ['null', null], ['a plain object', { aborted: false }]])('rejects %s as signal with MotifsErrorValidation', async (_name, signal) => {
    const cacher = track(createMemoryCacher());
    const loader = jest.fn(() => 1);
    await expect(cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: signal as unknown as AbortSignal })).rejects.toBeInstanceOf(MotifsErrorValidation);
    expect(loader).not.toHaveBeenCalled();
  });
});

describe('tracing', () => {
  const kinds = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
  function subscribeAll(): { events: [string, string, MotifsTraceContext][]; stop: () => void } {
    const events: [string, string, MotifsTraceContext][] = [];
    const subs = MOTIFS_TRACED_OPERATIONS.cacher.map((op) => {
      const channel = tracingChannel(`motifs:cacher:${op}`);
      const handlers = Object.fromEntries(kinds.map((kind) => [kind, (ctx: unknown) => events.push([op, kind, ctx as MotifsTraceContext])])) as unknown as Parameters<typeof channel.subscribe>[0];
      channel.subscribe(handlers);
      return () => channel.unsubscribe(handlers);
    });
    return { events, stop: () => subs.forEach((stop) => stop()) };
  }

  it('every public operation publishes on motifs:cacher:<operation> with namespace and key', async () => {
    const cacher = track(createMemoryCacher({ namespace: 'traced' }));
    const { events, stop } = subscribeAll();
    try {
      await cacher.setItem('a', 1, 60_000);
      await cacher.getItem('a');
      await cacher.hasItem('a');
      await cacher.getItemsLike('');
      await cacher.getKeys('*');
      await cacher.getOrSet('b', () => 2, { expiryMs: 60_000 });
      await cacher.delItem('a');
      await cacher.delItemsLike('');
      await cacher.setItems({ c: 3, d: 4 }, 60_000);
      await cacher.getItems(['c', 'd', 'c']);
      await cacher.delItems(['c']);
      await cacher.getEntry('d');
    } finally {
      stop();
    }
    const started = events.filter(([, kind]) => kind === 'start').map(([op]) => op);
    expect(started).toEqual(['setItem', 'getItem', 'hasItem', 'getItemsLike', 'getKeys', 'getOrSet', 'delItem', 'delItemsLike', 'setItems', 'getItems', 'delItems', 'getEntry']);
    expect([...started].sort()).toEqual([...MOTIFS_TRACED_OPERATIONS.cacher].sort());
    const getItem = events.filter(([op]) => op === 'getItem');
    expect(getItem.map(([, kind]) => kind)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(getItem[3]![2]).toMatchObject({ motif: 'cacher', operation: 'getItem', namespace: 'traced', key: 'a', result: 1 });
    expect(events.find(([op]) => op === 'getKeys')![2]).toMatchObject({ search: '*' });
    expect(events.find(([op]) => op === 'delItemsLike')![2]).toMatchObject({ keyPrefix: '' });
    expect(events.find(([op]) => op === 'getItems')![2]).toMatchObject({ namespace: 'traced', count: 3 });
    expect(events.find(([op, kind]) => op === 'delItems' && kind === 'asyncEnd')![2]).toMatchObject({ count: 1, result: 1 });
  });

  it('getOrSet tells how it was answered: miss, then hit', async () => {
    const cacher = track(createMemoryCacher());
    const { events, stop } = subscribeAll();
    try {
      await cacher.getOrSet('k', () => 1, { expiryMs: 60_000 });
      await cacher.getOrSet('k', () => 2, { expiryMs: 60_000 });
    } finally {
      stop();
    }
    const ends = events.filter(([op, kind]) => op === 'getOrSet' && kind === 'asyncEnd').map(([, , ctx]) => [ctx.outcome, ctx.result]);
    expect(ends).toEqual([
      ['miss', 1],
      ['hit', 1],
    ]);
  });

  it('a failing operation publishes error with the MotifsError', async () => {
    const cacher = track(createMemoryCacher());
    const { events, stop } = subscribeAll();
    try {
      await expect(cacher.getItem('missing')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      await expect(cacher.setItem('', 1, 60_000)).rejects.toBeInstanceOf(MotifsErrorValidation);
    } finally {
      stop();
    }
    const errors = events.filter(([, kind]) => kind === 'error');
    expect(errors.map(([op]) => op)).toEqual(['getItem', 'setItem']);
    expect(errors[0]![2].error).toBeInstanceOf(MotifsErrorNotFound);
  });

  it('publishes nothing once unsubscribed', async () => {
    const cacher = track(createMemoryCacher());
    const { events, stop } = subscribeAll();
    stop();
    await cacher.setItem('a', 1, 60_000);
    expect(events).toEqual([]);
  });
});

describe('logger', () => {
  function fullCacher(logger?: MotifsLogger) {
    return track(createMemoryCacher({ maxKeys: 1, ...(logger ? { logger } : {}) }));
  }

  it('gets an error nobody listens for, once per interval with a count of the ones dropped', async () => {
    const warn = jest.fn();
    const cacher = fullCacher({ warn, error: jest.fn() });
    await cacher.setItem('a', 1, 60_000);
    const now = jest.spyOn(Date, 'now');
    now.mockReturnValue(1_000_000);
    expect(await cacher.getOrSet('b', () => 'x', { expiryMs: 60_000 })).toBe('x');
    expect(await cacher.getOrSet('c', () => 'y', { expiryMs: 60_000 })).toBe('y');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![1]).toMatchObject({ namespace: '', key: 'b', error: expect.any(MotifsErrorUnavailable) });
    now.mockReturnValue(1_000_000 + UNHEARD_WARNING_INTERVAL_MS);
    await cacher.getOrSet('d', () => 'z', { expiryMs: 60_000 });
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![1]).toMatchObject({ key: 'd', suppressed: 1 });
  });

  it('stays quiet when an error listener handles the error', async () => {
    const warn = jest.fn();
    const cacher = fullCacher({ warn, error: jest.fn() });
    const reported = cacher.em.once('error');
    await cacher.setItem('a', 1, 60_000);
    await cacher.getOrSet('b', () => 'x', { expiryMs: 60_000 });
    expect((await reported).key).toBe('b');
    expect(warn).not.toHaveBeenCalled();
  });

  it('defaults to a MotifsWarning process warning, never the console', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const consoleWarn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const cacher = fullCacher();
    await cacher.setItem('a', 1, 60_000);
    await cacher.getOrSet('b', () => 'x', { expiryMs: 60_000 });
    expect(emitWarning).toHaveBeenCalledTimes(1);
    expect(emitWarning.mock.calls[0]![1]).toMatchObject({ type: 'MotifsWarning', code: 'MOTIFS_WARNING' });
    expect(consoleWarn).not.toHaveBeenCalled();
  });

  it('reaches the cacher through makeCacher-style factory options', async () => {
    const warn = jest.fn();
    const cacher = track(await createCacher({ memory: { maxKeys: 1 }, logger: { warn, error: jest.fn() } }));
    await cacher.setItem('a', 1, 60_000);
    await cacher.getOrSet('b', () => 'x', { expiryMs: 60_000 });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('typed events', () => {
  it('em payloads are typed per event, and unknown events do not compile', async () => {
    const cacher = track(createMemoryCacher());
    const hit = cacher.em.once('hit');
    await cacher.setItem('a', 1, 60_000);
    await cacher.getItem('a');
    const payload = await hit;
    const stale: boolean = payload.stale;
    const key: string = payload.key;
    expect({ key, stale }).toEqual({ key: 'a', stale: false });
    // @ts-expect-error 'hits' is not a cacher event
    cacher.em.on('hits', () => {});
    // @ts-expect-error a miss carries no `stale`
    cacher.em.on('miss', (e) => e.stale);
  });
});

describe('await using', () => {
  it('closes the cacher at the end of the block', async () => {
    let escaped: ICacher;
    {
      await using cacher = createMemoryCacher();
      escaped = cacher;
      await cacher.setItem('a', 1, 60_000);
    }
    await expect(escaped.getItem('a')).rejects.toBeInstanceOf(MotifsErrorUnavailable);
    await expect(escaped[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });
});
