import { describe, expect, it, jest } from '@jest/globals';
import Emittery from 'emittery';
import { MotifsErrorAbandoned, MotifsErrorTimeout, type MessageContext, MotifsErrorUnavailable, type StandardSchemaV1, type ListenerEvents, isMotifsError, jsonMessageCodec, textCodec, type MotifsErrorCode } from '../src/index.js';
import { ABANDONED_EVENT, DEAD_LETTER_HEADERS, type DeadLetter, MessageDispatcher, type RawMessage, backoffMs, backoffCapMs, encodeForPublish, resolveCommonOptions, resolveRetryPolicy, shareOnce, sleep, validateStandard } from '../src/kit.js';

const createEventManager = () => new Emittery<ListenerEvents>();

const raw = (value: string | null, extra: Partial<RawMessage> = {}): RawMessage => ({ value, partition: 3, offset: '41', ...extra });

/** A dispatcher whose waits are recorded, not slept, and whose dead letters land in an array. */
function setup(options: { attempts?: number; failDeadLetter?: boolean; schema?: StandardSchemaV1<unknown, unknown> } = {}) {
  const em = createEventManager();
  const letters: DeadLetter[] = [];
  const waits: number[] = [];
  const errors: unknown[] = [];
  const dispatcher = new MessageDispatcher<unknown>({
    channelId: 'orders',
    deadLetterChannelId: 'orders.dlq',
    codec: jsonMessageCodec,
    schema: options.schema,
    retry: resolveRetryPolicy({ attempts: options.attempts ?? 3, initialBackoffMs: 100, factor: 3, maxBackoffMs: 500 }),
    em,
    sendDeadLetter: async (letter) => {
      if (options.failDeadLetter) throw new MotifsErrorUnavailable('dlq down');
      letters.push(letter);
    },
    // Half of each bound, so the jittered waits are predictable.
    random: () => 0.5,
    sleep: async (ms, signal) => {
      waits.push(ms);
      if (signal?.aborted) throw signal.reason;
    },
  });
  dispatcher.onError(async (err) => {
    errors.push(err);
  });
  return { em, dispatcher, letters, waits, errors };
}

describe('retry policy', () => {
  it('fills defaults and grows the bound of the wait exponentially up to the cap', () => {
    const p = resolveRetryPolicy({ initialBackoffMs: 100, factor: 2, maxBackoffMs: 350 });
    expect(p.attempts).toBe(3);
    expect([1, 2, 3, 4].map((r) => backoffCapMs(p, r))).toEqual([100, 200, 350, 350]);
    expect(resolveRetryPolicy(undefined)).toEqual({ attempts: 3, initialBackoffMs: 100, factor: 2, maxBackoffMs: 5000 });
  });

  it('waits a full-jitter share of the bound: random() * bound, from 0 up to (not including) the bound', () => {
    const p = resolveRetryPolicy({ initialBackoffMs: 100, factor: 2, maxBackoffMs: 350 });
    expect([1, 2, 3, 4].map((r) => backoffMs(p, r, () => 0))).toEqual([0, 0, 0, 0]);
    expect([1, 2, 3, 4].map((r) => backoffMs(p, r, () => 0.5))).toEqual([50, 100, 175, 175]);
    const almostOne = 1 - Number.EPSILON;
    for (const r of [1, 2, 3, 4]) {
      expect(backoffMs(p, r, () => almostOne)).toBeLessThan(backoffCapMs(p, r));
      expect(backoffMs(p, r, () => almostOne)).toBeGreaterThan(backoffCapMs(p, r) * 0.999);
    }
    // The default source is Math.random: every wait stays within [0, bound).
    for (let i = 0; i < 200; i++) {
      const ms = backoffMs(p, 3);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(350);
    }
  });

  it.each([
    [{ attempts: 0 }, 'retry.attempts'],
    [{ attempts: 1.5 }, 'retry.attempts'],
    [{ initialBackoffMs: -1 }, 'retry.initialBackoffMs'],
    [{ maxBackoffMs: Infinity }, 'retry.maxBackoffMs'],
    [{ factor: 0.5 }, 'retry.factor'],
  ])('rejects %j with a validation error naming %s', (policy, path) => {
    expect(() => resolveRetryPolicy(policy)).toThrow(path);
    try {
      resolveRetryPolicy(policy);
    } catch (err) {
      expect(isMotifsError(err, 'MOTIFS_VALIDATION')).toBe(true);
    }
  });

  it('checks the common listener options', () => {
    expect(() => resolveCommonOptions({ schema: {} as never }, 'memory')).toThrow('memory.schema');
    expect(() => resolveCommonOptions({ codec: { encode: JSON.stringify } as never }, 'kafka')).toThrow('kafka.codec');
    expect(() => resolveCommonOptions({ groupId: '' }, 'kafka')).toThrow('kafka.groupId');
    expect(() => resolveCommonOptions({ closeTimeoutMs: -1 }, 'kafka')).toThrow('kafka.closeTimeoutMs');
    expect(() => resolveCommonOptions({ fromBeginning: 'yes' as never }, 'kafka')).toThrow('kafka.fromBeginning');
    expect(resolveCommonOptions(undefined, 'kafka')).toMatchObject({ fromBeginning: false, closeTimeoutMs: 10_000, codec: jsonMessageCodec });
  });
});

describe('validateStandard', () => {
  const asyncSchema: StandardSchemaV1<unknown, number> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (v) => (typeof v === 'number' ? { value: v * 2 } : { issues: [{ message: 'not a number', path: [{ key: 'root' }, 0] }] }),
    },
  };

  it('returns the (possibly transformed) output of a sync or async schema', async () => {
    await expect(validateStandard(asyncSchema, 21)).resolves.toBe(42);
  });

  it('turns issues into a validation error with paths', async () => {
    const err = await validateStandard(asyncSchema, 'x').catch((e: unknown) => e);
    expect(isMotifsError(err, 'MOTIFS_VALIDATION')).toBe(true);
    expect((err as { issues: unknown }).issues).toEqual([{ path: ['root', 0], message: 'not a number' }]);
  });
});

describe('encodeForPublish', () => {
  it('encodes and copies headers', () => {
    const headers = { a: '1' };
    const out = encodeForPublish(jsonMessageCodec, { id: 1 }, { key: 'k', headers });
    expect(out).toEqual({ value: '{"id":1}', key: 'k', headers: { a: '1' } });
    expect(out.headers).not.toBe(headers);
  });

  it.each([
    [{ id: undefined }, undefined, 'MOTIFS_SERIALIZATION'],
    [{ id: 1 }, { key: '' }, 'MOTIFS_VALIDATION'],
    [{ id: 1 }, { headers: ['x'] }, 'MOTIFS_VALIDATION'],
    [{ id: 1 }, { headers: { a: null } }, 'MOTIFS_VALIDATION'],
    [{ id: 1 }, 'k', 'MOTIFS_VALIDATION'],
  ] as [unknown, unknown, MotifsErrorCode][])('rejects %j with options %j as %s', (msg, options, code) => {
    let caught: unknown;
    try {
      encodeForPublish(jsonMessageCodec, msg, options as never);
    } catch (err) {
      caught = err;
    }
    expect(isMotifsError(caught, code)).toBe(true);
  });

  it('textCodec passes strings through and refuses anything else', () => {
    expect(textCodec.decode('{oops')).toBe('{oops');
    expect(textCodec.encode('x')).toBe('x');
    expect(() => textCodec.encode(1)).toThrow('textCodec');
  });
});

describe('MessageDispatcher', () => {
  it('hands decoded value and a context to the handler', async () => {
    const { dispatcher } = setup();
    const seen: [unknown, MessageContext][] = [];
    dispatcher.onMessage(async (msg, ctx) => {
      seen.push([msg, { ...ctx, headers: ctx.headers, key: ctx.key } as MessageContext]);
    });
    const outcome = await dispatcher.process(raw('{"a":1}', { key: Buffer.from('k1'), headers: { h: [Buffer.from('x'), 'y'], u: undefined }, timestamp: '1700000000000' }));
    expect(outcome).toBe('done');
    expect(seen[0]![0]).toEqual({ a: 1 });
    expect(seen[0]![1]).toMatchObject({ channelId: 'orders', partition: 3, offset: '41', key: 'k1', headers: { h: 'y' }, attempt: 1, timestamp: 1700000000000 });
  });

  it('retries with jittered exponential waits, then succeeds without reporting anything', async () => {
    const { dispatcher, waits, errors, letters, em } = setup({ attempts: 3 });
    const retried: unknown[] = [];
    em.on('retry', (e) => {
      retried.push(e);
    });
    const attempts: number[] = [];
    dispatcher.onMessage(async (_msg, ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 3) throw new Error('not yet');
    });
    expect(await dispatcher.process(raw('1'))).toBe('done');
    expect(attempts).toEqual([1, 2, 3]);
    // Bounds 100 and 300 (factor 3), times the injected random 0.5.
    expect(waits).toEqual([50, 150]);
    expect(errors).toEqual([]);
    expect(letters).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(retried).toHaveLength(2);
  });

  it('keeps the consumer alive before each wait between retries', async () => {
    let beats = 0;
    const d = new MessageDispatcher<unknown>({
      channelId: 'c', deadLetterChannelId: 'c.dlq', codec: jsonMessageCodec, schema: undefined, em: createEventManager(),
      retry: resolveRetryPolicy({ attempts: 3, initialBackoffMs: 0 }), sendDeadLetter: async () => undefined,
      keepAlive: async () => {
        beats++;
      },
    });
    d.onError(async () => undefined);
    d.onMessage(async () => {
      throw new Error('x');
    });
    expect(await d.process(raw('1'))).toBe('dead-lettered');
    expect(beats).toBe(2);
  });

  it('dead-letters after the last attempt with the original bytes, key and headers', async () => {
    const { dispatcher, letters, errors } = setup({ attempts: 2 });
    dispatcher.onMessage(async () => {
      throw new Error('always');
    });
    const value = Buffer.from('{"id":"p"}');
    expect(await dispatcher.process(raw(null, { value, key: 'k', headers: { trace: 't' } }))).toBe('dead-lettered');
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ channelId: 'orders.dlq', value, key: 'k', reason: 'handler' });
    expect(letters[0]!.headers).toMatchObject({
      trace: 't',
      [DEAD_LETTER_HEADERS.sourceTopic]: 'orders',
      [DEAD_LETTER_HEADERS.partition]: '3',
      [DEAD_LETTER_HEADERS.offset]: '41',
      [DEAD_LETTER_HEADERS.attempts]: '2',
      [DEAD_LETTER_HEADERS.code]: 'MOTIFS_HANDLER_FAILED',
    });
    expect(isMotifsError(errors[0], 'MOTIFS_HANDLER_FAILED')).toBe(true);
    expect((errors[0] as Error).message).toContain('always');
  });

  it('does not acknowledge a message whose dead letter cannot be written, and says why', async () => {
    const { dispatcher, errors } = setup({ attempts: 1, failDeadLetter: true });
    dispatcher.onMessage(async () => {
      throw new Error('bad');
    });
    expect(await dispatcher.process(raw('1'))).toBe('redeliver');
    expect(errors).toHaveLength(1);
    expect(isMotifsError(errors[0], 'MOTIFS_DEAD_LETTER_FAILED')).toBe(true);
    expect((errors[0] as { details: { original: unknown } }).details.original).toMatchObject({ code: 'MOTIFS_HANDLER_FAILED' });
  });

  it('stops retrying when the signal aborts (closing) and leaves the message for redelivery', async () => {
    const { dispatcher, letters, errors } = setup({ attempts: 5 });
    const ac = new AbortController();
    let calls = 0;
    dispatcher.onMessage(async () => {
      calls++;
      ac.abort();
      throw new Error('fails while closing');
    });
    expect(await dispatcher.process(raw('1'), ac.signal)).toBe('redeliver');
    expect(calls).toBe(1);
    expect(letters).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('dead-letters undecodable and schema-failing messages at once, without calling handlers', async () => {
    const schema: StandardSchemaV1<unknown, unknown> = {
      '~standard': { version: 1, vendor: 't', validate: (v) => (v === 1 ? { value: v } : { issues: [{ message: 'must be 1' }] }) },
    };
    const { dispatcher, letters, errors, waits } = setup({ schema });
    const handler = jest.fn(async () => undefined);
    dispatcher.onMessage(handler);
    expect(await dispatcher.process(raw('{nope'))).toBe('dead-lettered');
    expect(await dispatcher.process(raw('2'))).toBe('dead-lettered');
    expect(await dispatcher.process(raw('1'))).toBe('done');
    expect(handler).toHaveBeenCalledTimes(1);
    expect(waits).toEqual([]);
    expect(letters.map((l) => [l.reason, l.headers[DEAD_LETTER_HEADERS.attempts]])).toEqual([
      ['decode', '0'],
      ['schema', '0'],
    ]);
    expect(isMotifsError(errors[0], 'MOTIFS_SERIALIZATION')).toBe(true);
    expect(isMotifsError(errors[1], 'MOTIFS_VALIDATION')).toBe(true);
  });

  it('wraps a codec that throws a foreign error, and a schema that throws', async () => {
    const em = createEventManager();
    const errors: unknown[] = [];
    const throwingSchema: StandardSchemaV1<unknown, unknown> = {
      '~standard': {
        version: 1,
        vendor: 't',
        validate: () => {
          throw new TypeError('schema bug');
        },
      },
    };
    for (const [codec, schema, code] of [
      [{ encode: String, decode: () => { throw new RangeError('codec bug'); } }, undefined, 'MOTIFS_SERIALIZATION'],
      [jsonMessageCodec, throwingSchema, 'MOTIFS_VALIDATION'],
    ] as const) {
      const d = new MessageDispatcher<unknown>({
        channelId: 'c', deadLetterChannelId: 'c.dlq', codec: codec as never, schema, retry: resolveRetryPolicy({}), em, sendDeadLetter: async () => undefined,
      });
      d.onError(async (err) => {
        errors.push(err);
      });
      d.onMessage(async () => undefined);
      expect(await d.process(raw('1'))).toBe('dead-lettered');
      expect(isMotifsError(errors.at(-1), code)).toBe(true);
    }
  });

  it('hands errors to the logger when nobody listens, and survives a throwing error handler', async () => {
    const em = createEventManager();
    const logged: { message: string; meta: Record<string, unknown> | undefined }[] = [];
    const d = new MessageDispatcher<unknown>({
      channelId: 'c', deadLetterChannelId: 'c.dlq', codec: jsonMessageCodec, schema: undefined, retry: resolveRetryPolicy({}), em, sendDeadLetter: async () => undefined,
      logger: { warn: () => undefined, error: (message, meta) => logged.push({ message, meta }) },
    });
    const lonely = new MotifsErrorTimeout('lonely');
    await d.reportError(lonely);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.message).toContain('lonely');
    expect(logged[0]!.meta).toMatchObject({ channelId: 'c', code: 'MOTIFS_TIMEOUT', error: lonely });
    const handlerFailures: unknown[] = [];
    em.on('error.handler', (e) => {
      handlerFailures.push(e);
    });
    d.onError(async () => {
      throw new Error('handler bug');
    });
    await d.reportError(new Error('x'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(handlerFailures).toHaveLength(1);
  });

  it('rejects non-function handlers', () => {
    const { dispatcher } = setup();
    expect(() => dispatcher.onMessage(1 as never)).toThrow('handler must be a function');
    expect(() => dispatcher.onError(null as never)).toThrow('handler must be a function');
    expect(dispatcher.hasMessageHandlers).toBe(false);
  });
});

describe('shareOnce', () => {
  it('shares one run between callers and allows a new try after a failure', async () => {
    let runs = 0;
    const start = shareOnce(async () => {
      runs++;
      if (runs === 1) throw new Error('first start fails');
    });
    const a = start();
    const b = start();
    expect(a).toBe(b);
    await expect(a).rejects.toThrow('first start fails');
    await expect(start()).resolves.toBeUndefined();
    await expect(start()).resolves.toBeUndefined();
    expect(runs).toBe(2);
  });

  it('does not raise an unhandled rejection when nobody awaits', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const start = shareOnce(async () => {
        throw new Error('ignored');
      });
      void start();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('sleep', () => {
  it('rejects early when aborted', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    await expect(sleep(1, ac.signal)).rejects.toThrow('stop');
  });
});

describe('abandoned messages', () => {
  it('reportAbandoned emits the abandoned event, then hands the same typed error to onError', async () => {
    const { em, dispatcher, errors } = setup();
    const events: { channelId: string; groupId: string; partition: number; offset: string; error: unknown }[] = [];
    em.on(ABANDONED_EVENT, (e: (typeof events)[number]) => {
      events.push(e);
    });
    await dispatcher.reportAbandoned({ groupId: 'g', partition: 3, offset: '41', closeTimeoutMs: 2000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ABANDONED_EVENT).toBe('abandoned');
    expect(errors).toHaveLength(1);
    const err = errors[0] as MotifsErrorAbandoned;
    expect(err).toBeInstanceOf(MotifsErrorAbandoned);
    expect(isMotifsError(err, 'MOTIFS_ABANDONED')).toBe(true);
    // Not a timeout of the caller's operation: nothing to retry, redelivery is automatic.
    expect(err).not.toBeInstanceOf(MotifsErrorTimeout);
    expect(err.retryable).toBe(false);
    expect(err.details).toEqual({ channelId: 'orders', groupId: 'g', partition: 3, offset: '41', closeTimeoutMs: 2000 });
    expect(err.message).toContain('redelivered');
    expect(events).toEqual([{ channelId: 'orders', groupId: 'g', partition: 3, offset: '41', error: err }]);
  });
});
