import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import Emittery from 'emittery';
import {
  type IListener,
  type IListenerMessageHandler,
  type IPublisher,
  MotifsErrorConflict,
  MotifsErrorNotFound,
  MotifsErrorValidation,
  type MessageContext,
  makeRequester,
  makeResponder,
  registerKind,
  unregisterKind,
} from '../src/index.js';
import { REQUEST_HEADERS, errorFrame, readFrame, remoteError } from '../src/kit.js';
import { MAX_REPLY_PUBLISHERS } from '../src/request-reply/responder.js';
import { readRequestOptions, replyChannelOptions } from '../src/request-reply/options.js';

// A fake channel kind for unit tests: every listener of a channel gets every message (no groups),
// and the kind has no channel admin (as a custom kind may not).
declare module '../src/index.js' {
  interface ListenerKinds {
    'rr-fake': { logger?: { warn(m: string): void; error(m: string): void } };
  }
}

const bus = new Map<string, Set<(value: string, headers: Record<string, string>) => void>>();

function fakeListener(options: { channelId: string }): IListener<unknown> {
  const handlers: IListenerMessageHandler<unknown>[] = [];
  const deliver = (value: string, headers: Record<string, string>) => {
    const ctx = { channelId: options.channelId, partition: 0, offset: '0', key: undefined, headers, attempt: 1, timestamp: undefined, traceparent: undefined } satisfies MessageContext;
    for (const h of handlers) void h(JSON.parse(value), ctx);
  };
  return {
    channelId: options.channelId,
    em: new Emittery(),
    onMessage: (h) => void handlers.push(h),
    onError: () => undefined,
    listen: async () => {
      if (!bus.has(options.channelId)) bus.set(options.channelId, new Set());
      bus.get(options.channelId)!.add(deliver);
    },
    close: async () => void bus.get(options.channelId)?.delete(deliver),
    [Symbol.asyncDispose]: async () => undefined,
  };
}

const closedPublishers: string[] = [];

function fakePublisher(options: { channelId: string }): IPublisher<unknown> {
  return {
    channelId: options.channelId,
    em: new Emittery(),
    publish: async (msg, o) => {
      for (const deliver of bus.get(options.channelId) ?? []) deliver(JSON.stringify(msg), { ...o?.headers });
    },
    close: async () => void closedPublishers.push(options.channelId),
    [Symbol.asyncDispose]: async () => undefined,
  };
}

beforeAll(() => {
  registerKind('listener', 'rr-fake', fakeListener);
  registerKind('publisher', 'rr-fake', fakePublisher);
});
afterAll(() => {
  unregisterKind('listener', 'rr-fake');
  unregisterKind('publisher', 'rr-fake');
});

describe('request/reply frames', () => {
  it('a motifs error keeps its code, message, retryable and issues; never its details, cause or stack', () => {
    const err = new MotifsErrorValidation('bad n', { issues: [{ path: ['n'], message: 'must be 1' }], details: { secret: 1 }, cause: new Error('inner') });
    const frame = errorFrame(err);
    expect(frame).toEqual({ t: 'error', code: 'MOTIFS_VALIDATION', message: 'bad n', retryable: false, issues: [{ path: ['n'], message: 'must be 1' }] });
    expect(JSON.stringify(frame)).not.toMatch(/secret|inner|at /);
  });

  it('anything else is MOTIFS_HANDLER_FAILED with its message (cut to 2000 characters) and a string code as appCode', () => {
    expect(errorFrame(Object.assign(new Error('x'.repeat(5000)), { code: 'E_APP' }))).toEqual({ t: 'error', code: 'MOTIFS_HANDLER_FAILED', message: 'x'.repeat(2000), appCode: 'E_APP' });
    expect(errorFrame('plain text')).toMatchObject({ code: 'MOTIFS_HANDLER_FAILED', message: 'plain text' });
    expect(errorFrame(42)).toMatchObject({ code: 'MOTIFS_HANDLER_FAILED', message: 'the request handler failed' });
  });

  it('remoteError rebuilds the class of a known code and falls back to MOTIFS_HANDLER_FAILED', () => {
    const where = { channelId: 'c', correlationId: 'id' };
    const conflict = remoteError({ t: 'error', code: 'MOTIFS_CONFLICT', message: 'dup', retryable: false }, where);
    expect(conflict).toBeInstanceOf(MotifsErrorConflict);
    expect(conflict.details).toEqual({ remote: true, remoteCode: 'MOTIFS_CONFLICT', channelId: 'c', correlationId: 'id' });
    const unknown = remoteError({ t: 'error', code: 'SOMETHING_ELSE', message: 'm' }, where);
    expect(unknown).toMatchObject({ code: 'MOTIFS_HANDLER_FAILED', message: 'm', details: { remoteCode: 'SOMETHING_ELSE' } });
    expect(remoteError({ t: 'error', code: 'toString', message: 'm' }, where).code).toBe('MOTIFS_HANDLER_FAILED');
  });

  it('readFrame accepts only the four frame shapes', () => {
    expect(readFrame({ t: 'accepted' })).toEqual({ t: 'accepted' });
    expect(readFrame({ t: 'reply', v: 1 })).toEqual({ t: 'reply', v: 1 });
    expect(readFrame({ t: 'progress', p: 'half' })).toEqual({ t: 'progress', p: 'half' });
    for (const bad of [null, 'reply', { t: 'other' }, { t: 'error', code: 1, message: 'm' }, { t: 'error', code: 'C' }]) expect(readFrame(bad)).toBeUndefined();
  });
});

describe('request/reply options', () => {
  it('checks per-request options and applies the defaults', () => {
    const defaults = { timeoutMs: 100, noResponderMs: 50 };
    expect(readRequestOptions(undefined, defaults)).toEqual({ ...defaults, signal: undefined, onProgress: undefined });
    expect(readRequestOptions({ timeoutMs: 7 }, defaults).timeoutMs).toBe(7);
    for (const bad of [{ timeoutMs: 0 }, { timeoutMs: Infinity }, { timeoutMs: 2 ** 31 }, { noResponderMs: '5' }, { signal: {} }, { onProgress: 1 }, 5]) {
      expect(() => readRequestOptions(bad as never, defaults)).toThrow(MotifsErrorValidation);
    }
  });

  it('a reply channel takes only the connection options of the kind', () => {
    const logger = { warn: () => undefined, error: () => undefined };
    expect(replyChannelOptions({ url: 'x', logger, groupId: 'g', codec: {}, partitions: 3, mode: 'broadcast', trim: {} }, { fromBeginning: true })).toEqual({ url: 'x', logger, fromBeginning: true });
  });
});

describe('makeRequester / makeResponder', () => {
  it('reject bad options before building anything', async () => {
    for (const bad of [null, {}, { kind: '' }, { kind: 'rr-fake' }, { kind: 'rr-fake', channelId: '' }, { kind: 'rr-fake', channelId: 'c', 'rr-fake': 5 }, { kind: 'rr-fake', channelId: 'c', timeoutMs: -1 }, { kind: 'rr-fake', channelId: 'c', noResponderMs: 'soon' }]) {
      await expect(makeRequester(bad as never)).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
    }
    await expect(makeResponder({ kind: 'rr-fake', channelId: 7 } as never)).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
    await expect(makeRequester({ kind: 'no-such-kind', channelId: 'c' } as never)).rejects.toMatchObject({ code: 'MOTIFS_ADAPTER_MISSING' });
  });

  it('work on a kind without a channel admin, saying once that reply channels stay behind', async () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => void warnings.push(m), error: () => undefined };
    const responder = await makeResponder<{ n: number }, number, string>({ kind: 'rr-fake', channelId: 'sq', 'rr-fake': { logger } });
    responder.onRequest(async ({ n }, ctx) => {
      await ctx.progress('working');
      if (n < 0) throw new MotifsErrorNotFound(`no root of ${n}`);
      return n * n;
    });
    await responder.listen();
    const requester = await makeRequester<{ n: number }, number, string>({ kind: 'rr-fake', channelId: 'sq', 'rr-fake': { logger }, timeoutMs: 2000 });
    expect(warnings).toEqual([expect.stringContaining('no channel admin')]);
    const errors: unknown[] = [];
    requester.em.on('error', (e) => void errors.push(e));
    // A throwing onProgress is reported, and the reply still arrives.
    await expect(requester.request({ n: 3 }, { onProgress: () => { throw new Error('ui gone'); } })).resolves.toBe(9);
    expect(errors).toEqual([expect.objectContaining({ message: 'ui gone' })]);
    await expect(requester.request({ n: -1 })).rejects.toBeInstanceOf(MotifsErrorNotFound);
    await requester.close();
    await responder.close();
  });

  it('a responder refuses a request whose reply channel is not one of its own channel', async () => {
    const responder = await makeResponder<{ n: number }, number>({ kind: 'rr-fake', channelId: 'guarded' });
    const reported: unknown[] = [];
    const written: string[] = [];
    responder.onRequest(async ({ n }) => n);
    responder.onError(async (err) => void reported.push(err));
    await responder.listen();
    const spy = fakeListener({ channelId: 'elsewhere' });
    spy.onMessage(async (msg) => void written.push(JSON.stringify(msg)));
    await spy.listen();
    const headers = { [REQUEST_HEADERS.correlationId]: 'c1', [REQUEST_HEADERS.replyTo]: 'elsewhere', [REQUEST_HEADERS.deadline]: String(Date.now() + 10_000) };
    await fakePublisher({ channelId: 'guarded' }).publish({ n: 1 }, { headers });
    await new Promise((resolve) => setImmediate(resolve));
    expect(reported).toEqual([expect.objectContaining({ code: 'MOTIFS_VALIDATION' })]);
    expect(written).toEqual([]);
    await spy.close();
    await responder.close();
  });

  it('a responder keeps at most MAX_REPLY_PUBLISHERS reply publishers open, closing the least recently used', async () => {
    const responder = await makeResponder<{ n: number }, number>({ kind: 'rr-fake', channelId: 'many' });
    responder.onRequest(async ({ n }) => n);
    await responder.listen();
    const requesters = [];
    const quiet = { logger: { warn: () => undefined, error: () => undefined } };
    for (let i = 0; i <= MAX_REPLY_PUBLISHERS; i++) requesters.push(await makeRequester<{ n: number }, number>({ kind: 'rr-fake', channelId: 'many', 'rr-fake': quiet, timeoutMs: 2000 }));
    for (const [i, r] of requesters.entries()) await expect(r.request({ n: i })).resolves.toBe(i);
    expect(closedPublishers.filter((id) => id.startsWith('many.reply.'))).toEqual([requesters[0]!.replyChannelId]);
    // The evicted one is opened again when needed.
    await expect(requesters[0]!.request({ n: 7 })).resolves.toBe(7);
    await Promise.all(requesters.map((r) => r.close()));
    await responder.close();
  });

  it('a request times out only once the wall clock is past its deadline, even when the timer fires early', async () => {
    // Node's timers run on the event loop's cached clock, which can lag Date.now(): here the wall
    // clock is made to run 40 ms behind the timers, so the first timer fires before the deadline.
    const channelId = 'lagging-clock';
    const seen: Record<string, string>[] = [];
    const listener = fakeListener({ channelId });
    listener.onMessage(async (_msg, ctx) => void seen.push(ctx.headers));
    await listener.listen();
    const realNow = Date.now.bind(Date);
    let shift = 0;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
    const requester = await makeRequester<{ n: number }, string>({ kind: 'rr-fake', channelId, timeoutMs: 50, noResponderMs: 50 });
    try {
      const request = requester.request({ n: 1 });
      shift = -40;
      const err = await request.then(() => undefined, (e: unknown) => e);
      const timedOutAt = Date.now();
      expect(err).toMatchObject({ code: 'MOTIFS_TIMEOUT' });
      const deadline = Number(seen[0]![REQUEST_HEADERS.deadline]);
      expect(timedOutAt).toBeGreaterThan(deadline);
    } finally {
      now.mockRestore();
      await requester.close();
      await listener.close();
    }
  });

  it('a reply channel that cannot be deleted on close is reported on em, and close() still resolves', async () => {
    const deleted: string[] = [];
    registerKind('channelAdmin', 'rr-fake', () => ({
      ensureChannel: async () => undefined,
      hasChannel: async () => true,
      deleteChannel: async (id: string) => {
        deleted.push(id);
        throw new MotifsErrorConflict('cannot delete');
      },
      close: async () => undefined,
    }));
    try {
      const requester = await makeRequester({ kind: 'rr-fake', channelId: 'undeletable' });
      const errors: unknown[] = [];
      requester.em.on('error', (e) => void errors.push(e));
      await requester.close();
      expect(deleted).toEqual([requester.replyChannelId]);
      expect(errors).toEqual([expect.objectContaining({ code: 'MOTIFS_CONFLICT' })]);
    } finally {
      unregisterKind('channelAdmin', 'rr-fake');
    }
  });
});
